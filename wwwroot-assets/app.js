// Small browser helpers called from Blazor through JS interop.
window.craftedSignal = {
  getTheme: () => localStorage.getItem("cs-theme"),
  setTheme: (value) => localStorage.setItem("cs-theme", value),
  // Marks the page's theme and gives Monaco editors the matching one.
  applyTheme: (dark) => {
    document.documentElement.dataset.theme = dark ? "dark" : "light";
    if (window.monaco) monaco.editor.setTheme(dark ? "vs-dark" : "vs");
  },
  copy: (text) => navigator.clipboard?.writeText(text),
};
