// Split lines of an entry: "Add a line" (up to the form's maximum) and a live "left to assign".
// The server checks the split again; this only helps while typing, in the user's decimal mark.
(function () {
  "use strict";
  var table = document.getElementById("split-lines");
  if (!table) { return; }
  var form = table.closest("form");
  var mark = table.dataset.decimal || ".";
  var max = parseInt(table.dataset.maxLines || "20", 10);
  var body = table.querySelector("tbody");
  var left = document.getElementById("split-left");
  var addButton = document.getElementById("add-split-line");

  function cents(text) {  // the typed amount in hundredths, or null
    var cleaned = (text || "").replace(/[\s'\u2019\u00a0\u202f]/g, "");
    if (!cleaned) { return null; }
    var other = mark === "," ? "." : ",";
    if (cleaned.indexOf(mark) === -1 && cleaned.split(other).length === 2 && cleaned.split(other)[1].length !== 3) {
      cleaned = cleaned.replace(other, mark);  // "12.50" in a comma locale: only a decimal point fits
    }
    cleaned = cleaned.split(other).join("").replace(mark, ".");
    var value = Number(cleaned);
    return isFinite(value) ? Math.round(value * 100) : null;
  }

  function show(hundredths) {
    var sign = hundredths < 0 ? "-" : "";
    var abs = Math.abs(hundredths);
    return sign + Math.floor(abs / 100) + mark + String(abs % 100).padStart(2, "0");
  }

  function update() {
    var total = cents(form.querySelector('[name="amount"]').value);
    var sum = 0;
    var filled = 0;
    body.querySelectorAll('input[name$="-amount"]').forEach(function (box) {
      var value = cents(box.value);
      if (value !== null) { sum += value; filled += 1; }
    });
    if (!filled || total === null) { left.textContent = ""; return; }
    var gap = total - sum;
    left.textContent = gap === 0 ? "Fully assigned." : gap > 0 ? show(gap) + " left to assign" : show(-gap) + " more than the amount";
    left.className = "fw-semibold " + (gap === 0 ? "text-success" : "text-danger");
  }

  function addLine() {
    var rows = body.querySelectorAll("tr");
    if (rows.length >= max) { return; }
    var last = rows[rows.length - 1];
    var copy = last.cloneNode(true);
    var index = rows.length;
    copy.querySelectorAll("input, select").forEach(function (field) {
      ["name", "id"].forEach(function (attr) {
        var value = field.getAttribute(attr);
        if (value) { field.setAttribute(attr, value.replace(/lines-\d+-/, "lines-" + index + "-")); }
      });
      var label = field.getAttribute("aria-label");
      if (label) { field.setAttribute("aria-label", label.replace(/line \d+/, "line " + (index + 1))); }
      field.classList.remove("is-invalid");
      if (field.tagName === "SELECT") { field.selectedIndex = 0; } else { field.value = ""; }
    });
    copy.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    body.appendChild(copy);
    addButton.disabled = body.querySelectorAll("tr").length >= max;
    copy.querySelector("select, input").focus();
  }

  addButton.addEventListener("click", addLine);
  form.addEventListener("input", update);
  addButton.disabled = body.querySelectorAll("tr").length >= max;
  update();
})();
