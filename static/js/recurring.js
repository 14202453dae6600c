// The recurring form shows only the fields that apply: [data-show-when="name=value"] blocks follow
// the current value of the named field (a select, a radio group or a checkbox).
(function () {
  "use strict";
  var form = document.getElementById("recurring-form");
  if (!form) { return; }

  function valueOf(name) {
    var fields = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "radio") { if (field.checked) { return field.value; } }
      else if (field.type === "checkbox") { return field.checked ? field.value : ""; }
      else { return field.value; }
    }
    return "";
  }

  function update() {
    form.querySelectorAll("[data-show-when]").forEach(function (block) {
      var rule = block.getAttribute("data-show-when").split("=");
      block.classList.toggle("d-none", valueOf(rule[0]) !== rule[1]);
    });
  }

  form.addEventListener("change", update);
  update();
})();
