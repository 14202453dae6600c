// Debts pages: the loan/card form shows the fields of the chosen kind; the charts draw from /api/v1.
(function () {
  "use strict";

  // The debt form: show the loan or the card fieldset for the chosen kind.
  var kind = document.querySelector("#debt-form select[name='kind']");
  if (kind) {
    var sync = function () {
      document.querySelectorAll("#debt-form [data-kind]").forEach(function (fieldset) {
        fieldset.hidden = fieldset.getAttribute("data-kind") !== kind.value;
      });
    };
    kind.addEventListener("change", sync);
    sync();
  }

  var PALETTE = ["#0d6efd", "#dc3545", "#fd7e14", "#198754", "#6f42c1", "#20c997", "#d63384", "#0dcaf0",
                 "#ffc107", "#6c757d"];

  function formatter(currency) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || "en", { style: "currency", currency: currency });
    } catch (e) {
      return new Intl.NumberFormat();
    }
  }

  function load(canvas, draw) {
    fetch(canvas.getAttribute("data-source"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (body) {
        draw(canvas, body.data, formatter(canvas.getAttribute("data-currency") || "USD"));
        canvas.setAttribute("data-chart-ready", "true");
      })
      .catch(function () {
        // The table beside the chart has every figure; say why the picture is missing.
        var note = document.createElement("p");
        note.className = "text-body-secondary small";
        note.textContent = "The chart could not be loaded; the table has the same figures.";
        canvas.replaceWith(note);
      });
  }

  function options(money, stacked) {
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

  // Payoff plan: each debt's balance, stacked, month by month.
  function drawPlan(canvas, plan, money) {
    var labels = plan.rows.map(function (row) { return row.date.slice(0, 7); });
    var datasets = plan.debts.map(function (debt, i) {
      var colour = PALETTE[i % PALETTE.length];
      return {
        label: debt.name,
        data: plan.rows.map(function (row) { return Number(row.debts[i].balance); }),
        borderColor: colour,
        backgroundColor: colour + "55",
        fill: true,
        pointRadius: 0,
        tension: 0.1
      };
    });
    new window.Chart(canvas, { type: "line", data: { labels: labels, datasets: datasets }, options: options(money, true) });
  }

  // One debt: the balance as a line, each payment's interest and principal as stacked bars.
  function drawSchedule(canvas, schedule, money) {
    var labels = schedule.periods.map(function (p) { return p.date.slice(0, 7); });
    var value = function (key) { return schedule.periods.map(function (p) { return Number(p[key]); }); };
    var opts = options(money, false);
    opts.scales.y2 = { position: "right", beginAtZero: true, stacked: true, grid: { drawOnChartArea: false },
                       ticks: { callback: function (v) { return money.format(v); } } };
    new window.Chart(canvas, {
      data: {
        labels: labels,
        datasets: [
          { type: "line", label: "Balance", data: value("balance"), borderColor: PALETTE[0], pointRadius: 0, yAxisID: "y" },
          { type: "bar", label: "Interest", data: value("interest"), backgroundColor: PALETTE[1] + "99", yAxisID: "y2", stack: "p" },
          { type: "bar", label: "Principal", data: value("principal"), backgroundColor: PALETTE[3] + "99", yAxisID: "y2", stack: "p" }
        ]
      },
      options: opts
    });
  }

  if (!window.Chart) { return; }
  var plan = document.getElementById("plan-chart");
  if (plan) { load(plan, drawPlan); }
  var schedule = document.getElementById("schedule-chart");
  if (schedule) { load(schedule, drawSchedule); }
})();
