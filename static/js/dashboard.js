// The dashboard: draw every chart from its /api/v1/reports series (tables beside them have the numbers).
(function () {
  "use strict";
  if (window.financeCharts) { window.financeCharts.drawAll(); }
})();
