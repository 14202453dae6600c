// Goals pages: progress bar widths come from data-width (the CSP forbids inline styles).
(function () {
  "use strict";
  document.querySelectorAll(".progress-bar[data-width]").forEach(function (bar) {
    var width = parseInt(bar.getAttribute("data-width"), 10);
    if (!isNaN(width)) { bar.style.width = Math.max(0, Math.min(100, width)) + "%"; }
  });
})();
