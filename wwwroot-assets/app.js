// Small browser helpers called from Blazor through JS interop.
window.craftedSignal = {
  getTheme: () => localStorage.getItem("cs-theme"),
  setTheme: (value) => localStorage.setItem("cs-theme", value),
  copy: (text) => navigator.clipboard?.writeText(text),
};
