// Keyboard shortcuts on every signed-in page; "?" shows them. Keys typed into a field are the field's.
(function () {
  "use strict";
  // After a quick-add save the list comes back with quick add open: start the next entry at its first empty box.
  var quick = document.querySelector("#quick-add[data-focus-next]");
  if (quick) {
    var empty = Array.prototype.find.call(quick.querySelectorAll("input:not([type=hidden])"), function (box) {
      return !box.value;
    });
    if (empty) { empty.focus(); }
  }

  var help = document.getElementById("shortcut-help");
  if (!help) { return; }
  var urls = help.dataset;
  var pendingG = false;
  var gTimer = null;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function go(url) { if (url) { window.location.assign(url); } }

  function focusSearch() {
    var box = document.getElementById("f-q") || document.getElementById("nav-search");
    if (box) { box.focus(); box.select(); }
  }

  function newEntry() {
    var quick = document.getElementById("quick-add");
    if (quick) {  // on the transactions list, quick add is one keystroke closer than the full form
      quick.open = true;
      var first = quick.querySelector("input:not([type=hidden]), select");
      if (first) { first.focus(); }
      return;
    }
    go(urls.newEntry);
  }

  function toggleHelp() {
    var modal = window.bootstrap && window.bootstrap.Modal.getOrCreateInstance(help);
    if (modal) { modal.toggle(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (document.querySelector(".modal.show") && event.key !== "?" && event.key !== "Escape") { return; }
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      clearTimeout(gTimer);
      var target = {d: urls.dashboard, t: urls.transactions, b: urls.budgets, r: urls.reports}[key];
      if (target) { event.preventDefault(); go(target); }
      return;
    }
    if (key === "g") { pendingG = true; gTimer = setTimeout(function () { pendingG = false; }, 1500); return; }
    if (key === "?") { event.preventDefault(); toggleHelp(); return; }
    if (key === "/") { event.preventDefault(); focusSearch(); return; }
    if (key === "n" && urls.newEntry) { event.preventDefault(); newEntry(); return; }
    if (key === "t" && urls.transfer) { event.preventDefault(); go(urls.transfer); }
  });
})();
