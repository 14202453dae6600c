// Debts pages: the loan/card form shows the fields of the chosen kind; charts.js draws the charts.
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

  if (window.financeCharts) { window.financeCharts.drawAll(); }
})();
