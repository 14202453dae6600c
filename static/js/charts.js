// Shared chart helpers: every <canvas data-report-chart data-src="/api/v1/reports/..."> is drawn
// with Chart.js from the report's JSON series. Amounts arrive as strings and become numbers only
// here. When a chart has drawn, its canvas gets data-drawn="true" (the browser test waits for it).
(function () {
  "use strict";

  var PALETTE = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#d63384", "#ffc107",
    "#0dcaf0", "#6c757d", "#6610f2", "#adb5bd"];

  function toNumber(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function formatter(currency) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || "en", {
        style: "currency", currency: currency, maximumFractionDigits: 0
      });
    } catch (e) {
      return { format: function (n) { return String(n); } };
    }
  }

  function textColour() {
    return getComputedStyle(document.body).getPropertyValue("--bs-body-color").trim() || "#212529";
  }

  function config(series, aspect) {
    var money = formatter(series.currency);
    var kind = series.chart;
    var type = kind === "bar-horizontal" ? "bar" : kind;
    var datasets = series.datasets.map(function (set, index) {
      var colour = PALETTE[index % PALETTE.length];
      var data = set.data.map(toNumber);
      if (kind === "doughnut") {
        return { label: set.label, data: data, backgroundColor: data.map(function (_, i) { return PALETTE[i % PALETTE.length]; }) };
      }
      return {
        label: set.label, data: data, borderColor: colour, backgroundColor: type === "line" ? colour : colour + "cc",
        tension: 0.25, pointRadius: type === "line" ? 2 : 0, fill: false
      };
    });
    var colour = textColour();
    var options = {
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: aspect || (kind === "doughnut" ? 1.6 : 2),
      animation: false,
      plugins: {
        legend: { display: datasets.length > 1 || kind === "doughnut", position: kind === "doughnut" ? "right" : "top",
                  labels: { color: colour } },
        tooltip: { callbacks: { label: function (ctx) {
          var value = kind === "bar-horizontal" ? ctx.parsed.x : (kind === "doughnut" ? ctx.parsed : ctx.parsed.y);
          return (ctx.dataset.label || ctx.label) + ": " + money.format(value);
        } } }
      }
    };
    if (kind !== "doughnut") {
      var valueAxis = { ticks: { color: colour, callback: function (v) { return money.format(v); } } };
      var labelAxis = { ticks: { color: colour } };
      options.indexAxis = kind === "bar-horizontal" ? "y" : "x";
      options.scales = kind === "bar-horizontal" ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis };
    }
    return { type: type, data: { labels: series.labels, datasets: datasets }, options: options };
  }

  function fail(canvas, reason) {
    canvas.setAttribute("data-drawn", "error");
    var box = canvas.parentElement;
    var message = box && box.querySelector("[data-chart-error]");
    if (message) { message.classList.remove("d-none"); }
    if (window.console && reason) { console.warn("chart not drawn:", reason); }
  }

  function draw(canvas) {
    var src = canvas.getAttribute("data-src");
    if (!src || typeof window.Chart === "undefined") { fail(canvas, "Chart.js missing"); return; }
    fetch(src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (body) {
        var chart = new window.Chart(canvas, config(body.data, Number(canvas.getAttribute("data-aspect")) || null));
        canvas.chart = chart;
        canvas.setAttribute("data-drawn", "true");
      })
      .catch(function (err) { fail(canvas, err && err.message); });
  }

  window.financeCharts = {
    drawAll: function (root) {
      (root || document).querySelectorAll("canvas[data-report-chart]").forEach(draw);
    },
    draw: draw,
    config: config
  };
})();
