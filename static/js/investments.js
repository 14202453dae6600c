// Investments pages: the trade form shows the fields of the chosen kind; charts.js draws the charts.
(function () {
  "use strict";

  // Which groups of fields each kind of trade uses (the others are hidden, not cleared).
  var FIELDS = {
    buy: ["security", "shares", "price", "fees"], sell: ["security", "shares", "price", "fees"],
    reinvest: ["security", "shares", "price", "fees"], split: ["security", "split", "shares"],
    transfer_in: ["security", "shares", "price", "fees"], transfer_out: ["security", "shares"],
    dividend: ["security", "fees"], interest: ["security"], fee: ["security"], deposit: [], withdrawal: []
  };
  var kind = document.querySelector("#trade-form select[name='kind']");
  if (kind) {
    var sync = function () {
      var shown = FIELDS[kind.value] || [];
      document.querySelectorAll("#trade-form [data-for]").forEach(function (box) {
        box.hidden = shown.indexOf(box.getAttribute("data-for")) < 0;
      });
    };
    kind.addEventListener("change", sync);
    sync();
  }

  if (window.financeCharts) { window.financeCharts.drawAll(); }
})();
