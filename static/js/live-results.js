// The live results page refreshes its table while the race runs: every 20 s it asks for the table
// again and puts it in place when the results changed (the stamp of the last change differs). With
// no signal it tries again at the next turn; a reader's place in the page is kept.
(function () {
  "use strict";
  var holder = document.getElementById("live-results");
  if (!holder || !window.fetch) { return; }
  var every = (parseInt(holder.getAttribute("data-every"), 10) || 20) * 1000;
  function stamp(root) {
    var el = root.querySelector("#live-changed");
    return el ? el.getAttribute("data-changed") : "";
  }
  function refresh() {
    fetch(holder.getAttribute("data-source"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var next = document.createElement("div");
        next.innerHTML = html;
        if (stamp(next) !== stamp(holder)) {
          holder.innerHTML = html;
          holder.setAttribute("data-refreshed", String(Date.now()));
        }
      })
      .catch(function () { /* no signal: the next turn tries again */ });
  }
  window.setInterval(refresh, every);
  holder.addEventListener("live-refresh", refresh);  // tests and a future "refresh now" button
})();
