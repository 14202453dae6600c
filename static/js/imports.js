// The import preview: one box ticks or unticks every row on the page (rows with errors stay out).
(function () {
  "use strict";
  document.querySelectorAll("[data-include-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      box.form.querySelectorAll('input[name="include"]:not([disabled])').forEach(function (row) {
        row.checked = box.checked;
      });
    });
  });
})();
