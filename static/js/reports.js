// Report pages: the custom dates show only with the "Custom dates" preset; charts draw from the API.
(function () {
  "use strict";
  var preset = document.querySelector("[data-range-preset]");
  function toggle() {
    var custom = preset.value === "custom";
    document.querySelectorAll("[data-custom-range]").forEach(function (box) {
      box.classList.toggle("d-none", !custom);
      box.querySelectorAll("input").forEach(function (input) { input.disabled = !custom; });
    });
  }
  if (preset) {
    preset.addEventListener("change", toggle);
    toggle();
  }
  if (window.financeCharts) { window.financeCharts.drawAll(); }
})();
