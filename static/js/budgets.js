// Budget page: progress bar widths (no inline styles under the CSP) and in-place editing.
(function () {
  "use strict";

  function sizeBars(root) {
    (root || document).querySelectorAll(".progress-bar[data-width]").forEach(function (bar) {
      var width = parseInt(bar.getAttribute("data-width"), 10);
      if (!isNaN(width)) { bar.style.width = Math.max(0, Math.min(100, width)) + "%"; }
    });
  }

  sizeBars(document);
  document.body.addEventListener("htmx:afterSettle", function () { sizeBars(document); });

  // A rejected amount comes back as 422 with the row's form and its message: show it.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Focus the amount box of a row opened for editing.
  document.body.addEventListener("htmx:afterSwap", function () {
    var input = document.querySelector(".budget-edit-form input[name=amount]");
    if (input) { input.focus(); input.select(); }
  });
})();
