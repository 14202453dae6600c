// The dashboard: draw every chart from its /api/v1/reports series (tables beside them have the numbers),
// and keep the figures live: every minute, while the tab is visible, ask for the page again with its
// ETag; the server answers 304 while nothing was written (core/conditional.py), else the new figures
// replace these and their charts are drawn again.
(function () {
  "use strict";
  if (window.financeCharts) { window.financeCharts.drawAll(); }

  var live = document.getElementById("dashboard-live");
  if (!live || !window.fetch || !window.DOMParser) { return; }
  var etag = live.getAttribute("data-etag");
  var seconds = parseInt(live.getAttribute("data-poll-seconds"), 10) || 60;

  function refresh() {
    if (document.hidden || !etag) { return; }
    var focused = document.activeElement;
    if (focused && live.contains(focused) && /^(INPUT|SELECT|TEXTAREA)$/.test(focused.tagName)) { return; }  // mid-typing
    fetch(window.location.pathname, {
      credentials: "same-origin", cache: "no-store",
      headers: { "Accept": "text/html", "If-None-Match": '"' + etag + '"' }
    }).then(function (response) {
      if (response.status !== 200) { return null; }  // 304: unchanged; anything else: try again later
      return response.text();
    }).then(function (html) {
      if (!html) { return; }
      var fresh = new window.DOMParser().parseFromString(html, "text/html").getElementById("dashboard-live");
      if (!fresh) { return; }
      live.replaceWith(fresh);
      live = fresh;
      etag = fresh.getAttribute("data-etag");
      if (window.financeCharts) { window.financeCharts.drawAll(fresh); }
    }).catch(function () { /* offline or restarting: the next tick tries again */ });
  }
  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
})();
