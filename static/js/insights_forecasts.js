// Draws the forecast and projection charts of the insights pages and the dashboard card (static/js/charts.js),
// once each, whichever partial loaded charts.js first.
(function () {
  "use strict";
  function run() {
    if (!window.financeCharts) { return; }
    document.querySelectorAll('canvas[data-chart="forecast"], canvas[data-chart="projection"]').forEach(function (canvas) {
      if (!canvas.hasAttribute("data-drawn") && !canvas.hasAttribute("data-queued")) {
        canvas.setAttribute("data-queued", "true");
        window.financeCharts.draw(canvas);
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); } else { run(); }
})();
