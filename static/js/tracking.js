// The rider's race-day page: while sharing is on, the phone's position is taken every few minutes
// and kept in localStorage, then sent in a batch whenever there is signal (positions already sent
// are known by their time, so a batch sent twice is stored once). The SOS button sends the current
// place (or the last known one) at once; with no signal it is kept and sent at the first chance.
(function () {
  "use strict";
  var state = document.getElementById("tracking-state");
  var sos = document.getElementById("sos-button");
  var status = document.getElementById("sos-status");
  var queueNote = document.getElementById("tracking-queue");
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  var key = state ? state.getAttribute("data-key") : "positions";
  var sosKey = key + "-sos";
  var last = null;
  var sent = 0;

  function load(name) { try { return JSON.parse(window.localStorage.getItem(name) || "[]"); } catch (e) { return []; } }
  function save(name, list) { try { window.localStorage.setItem(name, JSON.stringify(list)); } catch (e) { /* full */ } }
  function fix(position) {
    return { at: new Date(position.timestamp).toISOString(), lat: position.coords.latitude,
             lon: position.coords.longitude, accuracy_m: position.coords.accuracy };
  }
  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", body: JSON.stringify(body),
                        headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(csrf) } });
  }
  function showQueue() {
    if (queueNote) {
      var n = load(key).length;
      queueNote.textContent = n ? queueNote.getAttribute("data-waiting").replace("{n}", String(n)) : "";
    }
  }
  var flushing = false;  // one send at a time (the "online" event and the minute's turn may meet)
  function flush() {
    var pending = load(key);
    var url = state && state.getAttribute("data-url");
    if (!url || !pending.length || flushing) { showQueue(); return Promise.resolve(); }
    var batch = pending.slice(0, 500);
    flushing = true;
    return post(url, { positions: batch }).finally(function () { flushing = false; }).then(function (response) {
      if (response.ok || response.status === 400) {  // stored, or refused for good (out of the event's day)
        save(key, load(key).slice(batch.length));
        sent += batch.length;
        state.setAttribute("data-sent", String(sent));  // positions this page has handed over
      }
      showQueue();
    }).catch(showQueue);
  }
  function sendSos() {
    var pending = load(sosKey);
    if (!pending.length || !sos) { return; }
    post(sos.getAttribute("data-url"), pending[0]).then(function (response) {
      if (response.ok) {
        save(sosKey, []);
        status.textContent = sos.getAttribute("data-sent");
        status.className = "message success";
      }
    }).catch(function () {
      status.textContent = sos.getAttribute("data-queued");
      status.className = "message error";
    });
  }
  if (state && state.getAttribute("data-on") === "1" && navigator.geolocation) {
    var every = (parseInt(state.getAttribute("data-every"), 10) || 180) * 1000;
    var taken = 0;
    navigator.geolocation.watchPosition(function (position) {
      last = fix(position);
      if (Date.now() - taken >= every) {
        taken = Date.now();
        var pending = load(key);
        pending.push(last);
        save(key, pending.slice(-2000));
        flush();
      }
    }, function () { /* no fix now: the next one */ }, { enableHighAccuracy: true, maximumAge: 60000 });
    window.setInterval(flush, 60000);
    window.addEventListener("online", flush);
    showQueue();
  }
  if (sos) {
    sos.addEventListener("click", function () {
      if (!window.confirm(sos.getAttribute("data-confirm"))) { return; }
      var queue = function (place, note) {
        save(sosKey, [place]);
        if (note) { status.textContent = note; }
        sendSos();
      };
      if (!navigator.geolocation) { if (last) { queue(last, sos.getAttribute("data-noplace")); } return; }
      navigator.geolocation.getCurrentPosition(function (position) { queue(fix(position)); }, function () {
        var known = last || load(key).slice(-1)[0];
        if (known) { queue(known, sos.getAttribute("data-noplace")); }
        else { status.textContent = sos.getAttribute("data-noplace"); }
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 120000 });
    });
    window.setInterval(sendSos, 15000);
    window.addEventListener("online", sendSos);
    sendSos();
  }
})();
