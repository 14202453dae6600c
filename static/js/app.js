// Page behaviour shared by every page (the CSP forbids inline scripts).
(function () {
  "use strict";

  document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var root = document.documentElement;
      var next = root.getAttribute("data-bs-theme") === "dark" ? "light" : "dark";
      root.setAttribute("data-bs-theme", next);
      try { localStorage.setItem("theme", next); } catch (e) { /* storage disabled */ }
    });
  });

  // Forms marked data-confirm ask before they submit (deletes, merges).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // htmx requests carry the CSRF token from the page's meta tag.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });
})();

// Colour dots take their colour from data-colour (no inline styles under the CSP).
document.querySelectorAll("[data-colour]").forEach(function (el) {
  var colour = el.getAttribute("data-colour");
  if (/^#[0-9a-fA-F]{6}$/.test(colour)) { el.style.backgroundColor = colour; }
});

// "Select all" checkbox of a table selects the row checkboxes in the same form.
document.querySelectorAll("[data-select-all]").forEach(function (box) {
  box.addEventListener("change", function () {
    box.form.querySelectorAll('input[name="ids"]').forEach(function (row) { row.checked = box.checked; });
  });
});

// A select marked data-autosubmit submits its form when changed.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});

// The bulk form asks before deleting.
document.querySelectorAll("[data-confirm-delete]").forEach(function (button) {
  button.addEventListener("click", function (event) {
    var action = button.form.querySelector('[name="action"]');
    if (action && action.value === "delete" && !window.confirm(button.getAttribute("data-confirm-delete"))) {
      event.preventDefault();
    }
  });
});

// Payee autocomplete: the names are fetched once, when a payee box is first focused.
document.querySelectorAll("datalist[data-source]").forEach(function (list) {
  var loaded = false;
  document.querySelectorAll('input[list="' + list.id + '"]').forEach(function (input) {
    input.addEventListener("input", function () { showPayeeDefault(input, list); });
    input.addEventListener("focus", function () {
      if (loaded) { return; }
      loaded = true;
      fetch(list.getAttribute("data-source"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { data: [] }; })
        .then(function (body) {
          body.data.forEach(function (name) {
            var option = document.createElement("option");
            option.value = name;
            list.appendChild(option);
          });
          list.payeeDefaults = body.defaults || {};
          showPayeeDefault(input, list);
        })
        .catch(function () { loaded = false; });
    });
  });
});

// A known payee's default category appears in the form as soon as the payee is typed, so what is
// saved is what the form shows. A category the user chose is never replaced.
function showPayeeDefault(input, list) {
  var form = input.form;
  var select = form && form.querySelector('select[name="category_id"]');
  var defaults = list.payeeDefaults || {};
  if (!select) { return; }
  var chosen = defaults[input.value.trim()];
  var hint = form.querySelector("[data-payee-hint]");
  if (select.dataset.payeeSet === "1" && select.value !== select.dataset.payeeValue) {
    delete select.dataset.payeeSet;  // the user changed it since: theirs now
  }
  if (chosen && (select.value === "" || select.dataset.payeeSet === "1")) {
    select.value = String(chosen);
    select.dataset.payeeSet = "1";
    select.dataset.payeeValue = select.value;
    if (hint) { hint.textContent = "Category from this payee's default."; }
  } else if (!chosen && select.dataset.payeeSet === "1") {
    select.value = "";
    delete select.dataset.payeeSet;
    if (hint) { hint.textContent = ""; }
  }
}

// "More filters" unfolds a filter form's other fields on a phone.
document.querySelectorAll("[data-toggle-filters]").forEach(function (button) {
  var form = button.closest(".filters");
  button.setAttribute("aria-expanded", String(form.classList.contains("open")));
  button.addEventListener("click", function () {
    var open = form.classList.toggle("open");
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Fewer filters" : "More filters";
  });
});

// A currency picker (or a select marked data-filterable) gets a box above it that narrows its options as
// you type ("euro", "yen"); the select itself stays the form's field.
document.querySelectorAll('select[name$="currency"], select[name="base"], select[name="quote"], select[data-filterable]').forEach(function (select) {
  if (select.options.length < 15 || select.multiple) { return; }
  var box = document.createElement("input");
  box.type = "search";
  box.className = "form-control form-control-sm mb-1 select-filter";
  box.placeholder = "Narrow the list…";
  box.setAttribute("aria-label", "Narrow the list below");
  select.parentNode.insertBefore(box, select);
  box.addEventListener("input", function () {
    var words = box.value.trim().toLowerCase();
    var first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      var match = !words || option.text.toLowerCase().indexOf(words) !== -1;
      option.hidden = !match;
      if (match && !first && option.value) { first = option; }
    });
    if (first && (select.selectedOptions[0] || {}).hidden !== false) { select.value = first.value; }
  });
});
