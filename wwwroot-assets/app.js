// Small browser helpers called from Blazor through JS interop.
window.craftedSignal = {
  // Called once the interactive circuit has rendered the layout: marks the page as ready for input.
  getTheme: () => {
    document.documentElement.dataset.interactive = "true";
    return localStorage.getItem("cs-theme");
  },
  setTheme: (value) => localStorage.setItem("cs-theme", value),
  copy: (text) => navigator.clipboard?.writeText(text),
};
