// Settings pages: keep this browser's saved theme in step with the theme chosen in the profile.
(function () {
  var card = document.getElementById("profile-card");
  if (!card) { return; }
  var theme = card.getAttribute("data-saved-theme");
  try {
    if (theme === "light" || theme === "dark") {
      localStorage.setItem("theme", theme);
    } else if (theme === "auto") {
      localStorage.removeItem("theme");
    }
  } catch (e) { /* storage disabled */ }
  var dark = theme === "dark" || (theme === "auto" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  if (theme === "light" || theme === "dark" || theme === "auto") {
    document.documentElement.setAttribute("data-bs-theme", dark ? "dark" : "light");
  }
})();
