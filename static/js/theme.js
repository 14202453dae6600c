// Apply the saved colour theme before the page paints (loaded in <head>).
(function () {
  // A theme chosen in the user's settings (light or dark) is set by the server and wins.
  if (document.documentElement.hasAttribute("data-theme-fixed")) { return; }
  var saved = null;
  try { saved = localStorage.getItem("theme"); } catch (e) { /* storage disabled */ }
  var dark = saved ? saved === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.setAttribute("data-bs-theme", dark ? "dark" : "light");
})();
