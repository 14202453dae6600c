// The one chart module: every chart of the app is drawn here with Chart.js from an /api/v1 endpoint.
// A canvas names its data (data-src) and its kind (data-chart: "report" for the report and dashboard
// series, "debt-plan", "debt-schedule", "investment-performance", "price-history"; data-report-chart is the same as data-chart="report").
// Amounts arrive as strings and become numbers only here. When a chart has drawn, its canvas gets
// data-drawn="true" and data-chart-ready="true" (the browser tests wait for them); when it cannot be
// drawn, a [data-chart-error] note beside it shows, or one is added: the table has the same figures.
(function () {
  "use strict";

  var PALETTE = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#d63384", "#ffc107",
    "#0dcaf0", "#6c757d", "#6610f2", "#adb5bd"];

  function toNumber(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function formatter(currency, wholeUnits) {
    try {
      var options = { style: "currency", currency: currency };
      if (wholeUnits) { options.maximumFractionDigits = 0; }
      return new Intl.NumberFormat(document.documentElement.lang || "en", options);
    } catch (e) {
      return { format: function (n) { return String(n); } };
    }
  }

  function textColour() {
    return getComputedStyle(document.body).getPropertyValue("--bs-body-color").trim() || "#212529";
  }

  // A report's series (/api/v1/reports/<slug>): bars, lines or a doughnut, as the series says.
  function config(series, aspect) {
    var money = formatter(series.currency, true);
    var kind = series.chart;
    var type = kind === "bar-horizontal" ? "bar" : kind;
    var datasets = series.datasets.map(function (set, index) {
      var colour = PALETTE[index % PALETTE.length];
      var data = set.data.map(toNumber);
      if (kind === "doughnut") {
        return { label: set.label, data: data, links: set.links || [],
                 backgroundColor: data.map(function (_, i) { return PALETTE[i % PALETTE.length]; }) };
      }
      return {
        label: set.label, data: data, links: set.links || [], borderColor: colour,
        backgroundColor: type === "line" ? colour : colour + "cc",
        tension: 0.25, pointRadius: type === "line" ? 3 : 0, pointHitRadius: 8, fill: false
      };
    });
    var colour = textColour();
    var options = {
      // Drill-down: a segment, bar or point opens the transactions it sums (series[].links, from the API).
      onClick: function (event, elements, chart) {
        var link = linkAt(chart, elements);
        if (link) { window.location.assign(link); }
      },
      onHover: function (event, elements, chart) {
        chart.canvas.style.cursor = linkAt(chart, elements) ? "pointer" : "default";
      },
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

  function linkAt(chart, elements) {
    if (!elements || !elements.length) { return null; }
    var hit = elements[0];
    var links = chart.data.datasets[hit.datasetIndex].links || [];
    return links[hit.index] || null;
  }

  function axisOptions(money, stacked) {
    return {
      animation: false,
      responsive: true,
      aspectRatio: 2.4,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { maxTicksLimit: 12 } },
        y: { stacked: stacked, beginAtZero: true, ticks: { callback: function (v) { return money.format(v); } } }
      },
      plugins: {
        tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + money.format(ctx.parsed.y); } } }
      }
    };
  }

  // A payoff plan (/api/v1/debts/plan): each debt's balance, stacked, month by month.
  function debtPlan(plan, money) {
    var labels = plan.rows.map(function (row) { return row.date.slice(0, 7); });
    var datasets = plan.debts.map(function (debt, i) {
      var colour = PALETTE[i % PALETTE.length];
      return {
        label: debt.name,
        data: plan.rows.map(function (row) { return toNumber(row.debts[i].balance); }),
        borderColor: colour, backgroundColor: colour + "55", fill: true, pointRadius: 0, tension: 0.1
      };
    });
    return { type: "line", data: { labels: labels, datasets: datasets }, options: axisOptions(money, true) };
  }

  // One debt's schedule (/api/v1/debts/<id>/schedule): the balance as a line, each payment's interest
  // and principal as stacked bars.
  function debtSchedule(schedule, money) {
    var labels = schedule.periods.map(function (p) { return p.date.slice(0, 7); });
    var value = function (key) { return schedule.periods.map(function (p) { return toNumber(p[key]); }); };
    var options = axisOptions(money, false);
    options.scales.y2 = { position: "right", beginAtZero: true, stacked: true, grid: { drawOnChartArea: false },
                          ticks: { callback: function (v) { return money.format(v); } } };
    return {
      data: {
        labels: labels,
        datasets: [
          { type: "line", label: "Balance", data: value("balance"), borderColor: PALETTE[0], pointRadius: 0, yAxisID: "y" },
          { type: "bar", label: "Interest", data: value("interest"), backgroundColor: PALETTE[1] + "99", yAxisID: "y2", stack: "p" },
          { type: "bar", label: "Principal", data: value("principal"), backgroundColor: PALETTE[2] + "99", yAxisID: "y2", stack: "p" }
        ]
      },
      options: options
    };
  }

  function narrow() { return window.matchMedia && window.matchMedia("(max-width: 575.98px)").matches; }

  // A forecast (/api/v1/forecasts): the last months' actuals, the forecast and its 80 % interval as a band.
  // The accuracy and the method go into the [data-forecast-*] elements of the canvas's [data-forecast] box.
  // While the forecast is being computed (HTTP 202), the box says so and the chart is fetched again later.
  function forecast(data, canvas) {
    var money = formatter(data.currency, true);
    var history = data.history || [];
    var labels = history.map(function (p) { return p.month; }).concat(data.points.map(function (p) { return p.month; }));
    var pad = function (values, before) { return new Array(before).fill(null).concat(values); };
    var last = history.length ? [toNumber(history[history.length - 1].value)] : [];
    var joined = function (key) {  // the forecast lines start at the last actual month, so they join it
      return pad(last.concat(data.points.map(function (p) { return toNumber(p[key]); })), Math.max(0, history.length - 1));
    };
    var datasets = [
      { label: "Actual", data: history.map(function (p) { return toNumber(p.value); }), borderColor: PALETTE[0],
        backgroundColor: PALETTE[0], pointRadius: 2, tension: 0.2 },
      { label: "80 % interval (low)", data: joined("low"), borderColor: "transparent", pointRadius: 0, fill: false },
      { label: "80 % interval", data: joined("high"), borderColor: "transparent", backgroundColor: PALETTE[3] + "40",
        pointRadius: 0, fill: "-1" },
      { label: "Forecast", data: joined("value"), borderColor: PALETTE[3], backgroundColor: PALETTE[3],
        borderDash: [6, 4], pointRadius: 2, tension: 0.2 }
    ];
    var options = axisOptions(money, false);
    options.aspectRatio = narrow() ? 1.3 : 2.4;  // a phone gets a taller chart, not a strip
    options.scales.y.beginAtZero = data.series !== "net";
    options.plugins.legend = { labels: { filter: function (item) { return item.text !== "80 % interval (low)"; } } };
    return { type: "line", data: { labels: labels, datasets: datasets }, options: options };
  }

  function fillForecastBox(canvas, data, status) {
    var box = canvas.closest("[data-forecast]");
    if (!box) { return; }
    var put = function (name, text) {
      box.querySelectorAll("[data-forecast-" + name + "]").forEach(function (el) { el.textContent = text; });
    };
    var score = function (value) { return value === null || value === undefined ? "–" : Number(value).toFixed(2); };
    if (status === 202 || data.status !== "ready") {
      put("status", data.status === "empty" ? "No history to forecast from yet." : "Being computed: this takes a few seconds.");
      return;
    }
    put("status", "");
    put("method", data.method_note || "");
    var bt = data.backtest || {};
    var base = (bt.baseline && bt.baseline.seasonal_naive) || {};
    put("accuracy", bt.folds ? "Backtest (" + bt.folds + " × 12 months): MASE " + score(bt.mase) + ", sMAPE " + score(bt.smape) +
      " %; seasonal-naive MASE " + score(base.mase) + ", sMAPE " + score(base.smape) + " %." :
      "Too little history to measure the accuracy yet.");
    var first = data.points[0];
    if (first) {
      var money = formatter(data.currency, true);
      put("next", first.month + ": " + money.format(Number(first.value)) + " (80 %: " + money.format(Number(first.low)) +
        "–" + money.format(Number(first.high)) + ")");
    }
  }

  // A balance projection (/api/v1/accounts/<id>/projection): the day-by-day balance with its lowest point marked.
  function projection(data, canvas) {
    var money = formatter(data.currency, true);
    var labels = data.days.map(function (d) { return d.date; });
    var values = data.days.map(function (d) { return toNumber(d.balance); });
    var lowest = data.lowest ? data.lowest.date : null;
    var options = axisOptions(money, false);
    options.aspectRatio = narrow() ? 1.3 : 2.4;
    options.scales.y.beginAtZero = false;
    options.scales.x.ticks.maxTicksLimit = 8;
    return {
      type: "line",
      data: { labels: labels, datasets: [{
        label: "Projected balance", data: values, borderColor: PALETTE[0], backgroundColor: PALETTE[1], tension: 0,
        pointRadius: labels.map(function (d) { return d === lowest ? 6 : 0; }),
        pointBackgroundColor: labels.map(function (d) { return d === lowest ? PALETTE[1] : PALETTE[0]; })
      }] },
      options: options
    };
  }

  // Investment performance (/api/v1/investments/performance): the value against the net contributions.
  function investmentPerformance(perf, money) {
    var labels = perf.points.map(function (p) { return p.date; });
    var series = function (key) { return perf.points.map(function (p) { return toNumber(p[key]); }); };
    var options = axisOptions(money, false);
    options.scales.y.beginAtZero = false;
    return {
      type: "line",
      data: {
        labels: labels,
        datasets: [
          { label: "Value", data: series("value"), borderColor: PALETTE[0], backgroundColor: PALETTE[0] + "33",
            fill: false, pointRadius: 2, tension: 0.1 },
          { label: "Contributions", data: series("contributed"), borderColor: PALETTE[9], borderDash: [6, 4],
            stepped: true, pointRadius: 0, fill: false }
        ]
      },
      options: options
    };
  }

  // A security's closing prices (/api/v1/investments/prices?security_id=...), oldest first.
  function priceHistory(rows, money) {
    var points = rows.slice().reverse();
    var options = axisOptions(money, false);
    options.scales.y.beginAtZero = false;
    options.plugins.legend = { display: false };
    return {
      type: "line",
      data: {
        labels: points.map(function (p) { return p.date; }),
        datasets: [{ label: "Close", data: points.map(function (p) { return toNumber(p.close); }),
                     borderColor: PALETTE[0], pointRadius: 1, tension: 0.1, fill: false }]
      },
      options: options
    };
  }

  var KINDS = {
    forecast: forecast,
    projection: projection,
    "investment-performance": function (data, canvas) {
      return investmentPerformance(data, formatter(canvas.getAttribute("data-currency") || "USD"));
    },
    "price-history": function (data, canvas) {
      return priceHistory(data, formatter(canvas.getAttribute("data-currency") || "USD"));
    },
    report: function (data, canvas) { return config(data, Number(canvas.getAttribute("data-aspect")) || null); },
    "debt-plan": function (data, canvas) { return debtPlan(data, formatter(canvas.getAttribute("data-currency") || "USD")); },
    "debt-schedule": function (data, canvas) {
      return debtSchedule(data, formatter(canvas.getAttribute("data-currency") || "USD"));
    }
  };

  function kindOf(canvas) {
    return canvas.hasAttribute("data-report-chart") ? "report" : canvas.getAttribute("data-chart");
  }

  function fail(canvas, reason) {
    canvas.setAttribute("data-drawn", "error");
    var box = canvas.parentElement;
    var message = box && box.querySelector("[data-chart-error]");
    if (message) {
      message.classList.remove("d-none");
    } else if (box) {
      message = document.createElement("p");
      message.className = "text-body-secondary small";
      message.setAttribute("data-chart-error", "");
      message.textContent = "The chart could not be drawn; the table has the same figures.";
      canvas.insertAdjacentElement("afterend", message);
    }
    if (window.console && reason) { console.warn("chart not drawn:", reason); }
  }

  var RETRIES = 10;  // a forecast being computed is fetched again every few seconds, at most this often

  function draw(canvas) {
    var src = canvas.getAttribute("data-src");
    var build = KINDS[kindOf(canvas)];
    if (!src || !build || typeof window.Chart === "undefined") { fail(canvas, "Chart.js or the chart's data missing"); return; }
    var status = 0;
    fetch(src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        status = response.status;
        return response.json();
      })
      .then(function (body) {
        if (kindOf(canvas) === "forecast") {
          fillForecastBox(canvas, body.data, status);
          if (status === 202) {
            var tries = Number(canvas.getAttribute("data-tries") || 0);
            if (tries < RETRIES) {
              canvas.setAttribute("data-tries", String(tries + 1));
              window.setTimeout(function () { draw(canvas); }, 3000);
            }
            return;
          }
        }
        if (canvas.chart) { canvas.chart.destroy(); }
        canvas.chart = new window.Chart(canvas, build(body.data, canvas));
        canvas.setAttribute("data-drawn", "true");
        canvas.setAttribute("data-chart-ready", "true");
      })
      .catch(function (err) { fail(canvas, err && err.message); });
  }

  window.financeCharts = {
    drawAll: function (root) {
      (root || document).querySelectorAll("canvas[data-report-chart], canvas[data-chart]").forEach(draw);
    },
    draw: draw,
    config: config
  };
})();
