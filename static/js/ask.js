// The dashboard's Ask box: answer in place from /api/v1/ask. Without JavaScript the form opens the answer page.
(function () {
  "use strict";
  document.querySelectorAll("form.ask-form").forEach(function (form) {
    var box = form.parentElement.querySelector("[data-ask-result]");
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[name=q]");
      if (!input.value.trim() || !box) { return; }
      event.preventDefault();
      var page = form.action + "?" + new URLSearchParams({ q: input.value }).toString();
      box.textContent = "…";
      fetch(form.dataset.askApi + "?" + new URLSearchParams({ q: input.value }).toString(),
            { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
        .then(function (body) { show(box, body.data, page); })
        .catch(function () { window.location.assign(page); });
    });
  });

  function show(box, data, page) {
    box.replaceChildren();
    var text = document.createElement("p");
    text.className = "mb-2 text-break";
    text.textContent = data.answer;
    box.appendChild(text);
    var links = document.createElement("div");
    links.className = "d-flex flex-wrap gap-2";
    if (data.link) { links.appendChild(button(data.link, "See the transactions", "btn-outline-primary")); }
    if (data.value === null || data.items.length || data.suggestions.length) {
      links.appendChild(button(page, data.suggestions.length ? "Pick what you meant" : "Open the answer", "btn-outline-secondary"));
    }
    box.appendChild(links);
  }

  function button(href, label, style) {
    var link = document.createElement("a");
    link.href = href;
    link.className = "btn btn-sm " + style;
    link.textContent = label;
    return link;
  }
})();
