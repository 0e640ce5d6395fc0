// The check-in app (issue 28, docs/raceday.md): the event's start list kept in the browser
// (IndexedDB), found by a scanned or typed code, a name, a bib or phone digits, with no network.
// Each action (kit pick-up, check-in) is kept with its own nonce and time and sent in batches to
// the sync endpoint when the signal returns; what the server refuses becomes a conflict shown to
// the helper. The service worker (events/templates/events/checkin_sw.js) keeps the page itself.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("device-data").textContent);
  var T = data.text;
  var root = document.getElementById("device");
  var $ = function (id) { return document.getElementById(id); };
  var SYNC_EVERY_MS = 60000;
  var BATCH = 500;

  var db = null;
  var entries = new Map();   // registration id -> entry as the start list gives it
  var byHash = new Map();    // code_hash -> registration id
  var marks = new Map();     // registration id -> {checkin: iso, pickup: iso} taken on this phone
  var queue = [];            // actions not yet answered by the server
  var conflicts = [];        // actions the server refused, until the helper marks them resolved
  var meta = {cursor: "", device: "", counter: 0, lastSync: ""};
  var shown = null;          // the entry (or unknown code) on the rider card
  var busy = false;
  var signedOut = "";        // why the server refused this phone: "signIn" or "removed" (a key of T)

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  function time(iso) {
    return new Date(iso).toLocaleTimeString(data.language, {timeZone: data.timeZone, hour: "2-digit",
      minute: "2-digit", second: "2-digit", hour12: false});
  }
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attributes[key]; } else { node.setAttribute(key, attributes[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  // --- storage: one IndexedDB database per event ---------------------------------------------
  function request(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }
  function openDb() {
    var opening = indexedDB.open("checkin-" + data.event, 1);
    opening.onupgradeneeded = function () {
      var d = opening.result;
      d.createObjectStore("entries", {keyPath: "registration"});
      d.createObjectStore("queue", {keyPath: "nonce"});
      d.createObjectStore("conflicts", {keyPath: "nonce"});
      d.createObjectStore("marks", {keyPath: "registration"});
      d.createObjectStore("meta");
    };
    return request(opening);
  }
  function write(stores, work) {  // one transaction; resolves when it is on disk
    return new Promise(function (resolve, reject) {
      var t = db.transaction(stores, "readwrite");
      work(t);
      t.oncomplete = function () { resolve(); };
      t.onerror = function () { reject(t.error); };
      t.onabort = function () { reject(t.error); };
    });
  }
  function readAll(store) {
    return request(db.transaction(store).objectStore(store).getAll());
  }
  function keep(entry) {
    entries.set(entry.registration, entry);
    if (entry.code_hash) { byHash.set(entry.code_hash, entry.registration); }
  }
  function load() {
    return Promise.all([readAll("entries"), readAll("queue"), readAll("conflicts"), readAll("marks"),
      request(db.transaction("meta").objectStore("meta").get("meta"))]).then(function (r) {
      r[0].forEach(keep);
      queue = r[1].sort(function (a, b) { return a.at < b.at ? -1 : 1; });
      conflicts = r[2];
      r[3].forEach(function (m) { marks.set(m.registration, m); });
      if (r[4]) { meta = r[4]; }
      if (!meta.device) {
        meta.device = "d" + Math.random().toString(36).slice(2, 12);
        return saveMeta();
      }
    });
  }
  function saveMeta() {
    return write(["meta"], function (t) { t.objectStore("meta").put(meta, "meta"); });
  }

  // --- what the helper sees --------------------------------------------------------------------
  function state() {
    var parts = [say(T.onPhone, {n: entries.size})];
    parts.push(navigator.onLine ? T.online : T.offline);
    $("device-state").textContent = parts.join(" · ");
    $("device-state").dataset.ready = entries.size ? "yes" : "no";
    $("device-state").dataset.count = String(entries.size);
    var sync = [];
    sync.push(queue.length ? say(T.waiting, {n: queue.length}) : T.nothingWaiting);
    if (meta.lastSync) { sync.push(say(T.lastSync, {time: time(meta.lastSync)})); }
    if (signedOut) { sync.push(T[signedOut]); }
    $("device-sync").textContent = sync.join(" · ");
    $("device-sync").dataset.waiting = String(queue.length);
    $("device-sync").dataset.synced = meta.lastSync || "";  // when the last send-and-pull ended
    renderConflicts();
  }
  function doneAt(entry, action) {
    var mark = marks.get(entry.registration);
    var server = action === "checkin" ? entry.checked_in_at : entry.picked_up_at;
    return server || (mark && mark[action]) || "";
  }
  function showRider(entry, message, outcome) {
    var card = $("device-rider");
    card.replaceChildren();
    card.hidden = false;
    card.dataset.registration = entry ? entry.registration : "";
    if (message) {
      card.appendChild(el("p", {"class": "message " + (outcome === "ok" ? "ok" : "error"), "data-outcome": outcome,
        text: message}));
    }
    if (!entry) { return; }
    var confirmed = entry.status === "confirmed";
    card.appendChild(el("p", {"class": "device-name", text: entry.name}));
    card.appendChild(el("p", {"class": "device-id", text: entry.id_last4 ? say(T.idCard, {last4: entry.id_last4})
      : T.noId}));
    if (entry.proxy_name) {
      card.appendChild(el("p", {"class": "notice device-proxy", text: say(T.proxy, {name: entry.proxy_name,
        last4: entry.proxy_phone_last4})}));
    }
    var facts = [T.bib + " " + (bibOf(entry) === null ? "—" : bibOf(entry)), entry.category,
      T.statuses[entry.status] || entry.status];
    if (entry.wave) { facts.push(say(T.wave, {name: entry.wave, time: time(entry.wave_starts_at).slice(0, 5)})); }
    if (entry.phone_last4) { facts.push(say(T.phone, {last4: entry.phone_last4})); }
    if (entry.chips.length) { facts.push(T.chips + " " + entry.chips.join(", ")); }
    card.appendChild(el("p", {"class": "muted", text: facts.join(" · ")}));
    if (entry.kit && entry.kit.length) {  // the add-ons bought with the entry: the jersey's size, a meal ...
      card.appendChild(el("p", {"class": "notice device-kit", text: say(T.kit, {items: entry.kit.join(", ")})}));
    }
    if (!confirmed) {
      card.appendChild(el("p", {"class": "message error", "data-outcome": "not-confirmed",
        text: say(T.notValid, {status: T.statuses[entry.status] || entry.status})}));
      return;
    }
    var bib = bibOf(entry);
    var pickedUp = doneAt(entry, "pickup");
    if (pickedUp) {
      card.appendChild(el("p", {"class": "muted", "data-done": "pickup", text: say(T.pickedUpAt, {time: time(pickedUp)})}));
    } else {
      card.appendChild(pickUpForm(entry, bib));
    }
    var checkedIn = doneAt(entry, "checkin");
    if (checkedIn) {
      card.appendChild(el("p", {"class": "muted", "data-done": "checkin", text: say(T.checkedInAt, {time: time(checkedIn)})}));
    } else {
      var button = el("button", {type: "button", "data-action": "checkin", text: T.checkIn});
      button.addEventListener("click", function () { act("checkin", entry, null); });
      card.appendChild(el("div", {"class": "actions"}, [button]));
    }
    if (bib !== null && pickedUp) { card.appendChild(lostBibForm(entry)); }
  }
  function bibOf(entry) {
    var mark = marks.get(entry.registration);
    return mark && mark.bib ? mark.bib : entry.bib;
  }
  function holderOf(number, entry) {  // another entry on this phone holding the number, if any
    var found = null;
    entries.forEach(function (e) { if (e.registration !== entry.registration && bibOf(e) === number) { found = e; } });
    return found;
  }
  function numberField(id, label) {
    var input = el("input", {type: "number", id: id, min: "1", inputmode: "numeric", required: "required"});
    return [el("label", {"for": id, text: label}), input];
  }
  function problem(form, text) {
    var old = form.querySelector(".field-problem");
    if (old) { old.remove(); }
    if (text) { form.appendChild(el("p", {"class": "message error field-problem", role: "alert", text: text})); }
  }
  function readBib(form, input, entry) {
    var number = parseInt(input.value, 10);
    if (!(number >= 1)) { problem(form, T.bibNumber); input.focus(); return null; }
    var holder = holderOf(number, entry);
    if (holder) { problem(form, say(T.bibHeld, {bib: number, name: holder.name})); input.focus(); return null; }
    return number;
  }
  function pickUpForm(entry, bib) {
    var form = el("form", {"class": "stacked device-pickup", id: "device-pickup", novalidate: "novalidate"});
    var needBib = entry.bib_at === "pickup" && bib === null;
    var bibInput = null;
    if (needBib) {
      var field = numberField("device-pickup-bib", T.bibHandedOut);
      bibInput = field[1];
      form.appendChild(el("p", {}, field));
    }
    var chips = el("input", {type: "text", id: "device-pickup-chips", autocomplete: "off", autocapitalize: "characters"});
    form.appendChild(el("p", {}, [el("label", {"for": "device-pickup-chips", text: T.chipsHandedOut}), chips]));
    form.appendChild(el("button", {type: "submit", "data-action": "pickup", text: T.pickUp}));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var extra = {chips: chips.value.split(/[,，;；\n]+/).map(function (t) { return t.trim(); })
        .filter(Boolean).slice(0, 2)};  // a tag may be printed with spaces: only commas part two
      if (needBib) {
        extra.bib = readBib(form, bibInput, entry);
        if (extra.bib === null) { return; }
      }
      act("pickup", entry, null, extra);
    });
    return form;
  }
  function lostBibForm(entry) {
    var form = el("form", {"class": "stacked device-rebib", novalidate: "novalidate"});
    var field = numberField("device-rebib-bib", T.newBib);
    form.appendChild(el("p", {}, field));
    form.appendChild(el("button", {type: "submit", "class": "secondary", "data-action": "rebib", text: T.giveNewBib}));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var number = readBib(form, field[1], entry);
      if (number !== null) { act("rebib", entry, null, {bib: number}); }
    });
    var details = el("details", {"class": "device-lost"}, [el("summary", {text: T.bibLost}), form]);
    return details;
  }
  function showCode(code, hash) {
    var id = byHash.get(hash);
    if (id !== undefined) {
      var entry = entries.get(id);
      var already = doneAt(entry, "checkin");
      shown = entry;
      showRider(entry, already ? say(T.already, {time: time(already)}) : "", already ? "already" : "");
    } else {
      shown = null;
      showRider(null, T.unknown, "unknown");
      var button = el("button", {type: "button", "class": "secondary", "data-action": "record-unknown",
        text: T.recordAnyway});
      button.addEventListener("click", function () { act("checkin", null, code); });
      $("device-rider").appendChild(button);
    }
    $("device-rider").focus();
  }
  function find(text) {
    var list = $("device-found");
    list.replaceChildren();
    text = text.trim().toLowerCase();
    if (!text) { return; }
    var digits = /^\d+$/.test(text);
    var hits = [];
    entries.forEach(function (e) {
      if (hits.length >= 20) { return; }
      var match = digits ? (String(bibOf(e)) === text || (text.length >= 3 && e.phone_last4.endsWith(text))
        || (text.length === 4 && e.id_last4.toLowerCase() === text))
        : e.name.toLowerCase().indexOf(text) >= 0;
      if (match) { hits.push(e); }
    });
    if (!hits.length) { list.appendChild(el("li", {text: T.noMatch})); return; }
    hits.forEach(function (e) {
      var button = el("button", {type: "button", "class": "link", text: e.name});
      button.addEventListener("click", function () { shown = e; showRider(e, "", ""); $("device-rider").focus(); });
      var line = [T.bib + " " + (bibOf(e) === null ? "—" : bibOf(e)), e.category, T.statuses[e.status] || e.status];
      if (doneAt(e, "checkin")) { line.push(say(T.checkedInAt, {time: time(doneAt(e, "checkin"))})); }
      list.appendChild(el("li", {"class": "card", "data-registration": e.registration},
        [button, el("span", {"class": "muted", text: line.join(" · ")})]));
    });
  }
  function renderConflicts() {
    var section = $("device-conflicts");
    var list = $("device-conflict-list");
    list.replaceChildren();
    section.hidden = !conflicts.length;
    conflicts.forEach(function (c) {
      var button = el("button", {type: "button", "class": "secondary", text: T.resolved});
      button.addEventListener("click", function () {
        write(["conflicts"], function (t) { t.objectStore("conflicts").delete(c.nonce); }).then(function () {
          conflicts = conflicts.filter(function (x) { return x.nonce !== c.nonce; });
          state();
        });
      });
      var what = c.action === "checkin" ? T.checkIn : c.action === "rebib" ? T.giveNewBib : T.pickUp;
      list.appendChild(el("li", {"class": "card", "data-nonce": c.nonce, "data-reason": c.reason}, [
        el("strong", {text: (c.name || c.code || "") + (c.bib ? " · " + T.bib + " " + c.bib : "")}),
        el("span", {text: say(T.conflict, {action: what, time: time(c.at), message: c.message})}), button]));
    });
  }

  // --- actions ---------------------------------------------------------------------------------
  function act(action, entry, code, extra) {
    meta.counter += 1;
    var item = {nonce: meta.device + "-" + String(meta.counter).padStart(6, "0") + "-" +  // (two tabs: never one nonce)
      Math.random().toString(36).slice(2, 6), action: action,
      at: new Date().toISOString(), device: meta.device, name: entry ? entry.name : ""};
    if (entry) { item.registration = entry.registration; } else { item.code = code; }
    if (extra && extra.bib) { item.bib = extra.bib; }
    if (extra && extra.chips && extra.chips.length) { item.chips = extra.chips; }
    var mark = entry ? (marks.get(entry.registration) || {registration: entry.registration}) : null;
    if (mark && action !== "rebib") { mark[action] = item.at; }
    if (mark && item.bib) { mark.bib = item.bib; }
    return write(["queue", "meta", "marks"], function (t) {
      t.objectStore("queue").put(item);
      t.objectStore("meta").put(meta, "meta");
      if (mark) { t.objectStore("marks").put(mark); }
    }).then(function () {
      queue.push(item);
      if (mark) { marks.set(entry.registration, mark); }
      if (entry) {
        var number = bibOf(entry) === null ? "—" : bibOf(entry);
        var text = action === "checkin" ? say(T.checkedIn, {name: entry.name, bib: number})
          : action === "rebib" ? say(T.newBibGiven, {name: entry.name, bib: number}) : say(T.pickedUp, {name: entry.name});
        showRider(entry, text, "ok");
      } else {
        showRider(null, T.recorded, "ok");
      }
      find($("device-find").value);
      state();
      if (navigator.onLine) { sync(); }
    });
  }

  // --- the network: send the queue, then pull what changed -------------------------------------
  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function pull() {
    var url = data.startList + (meta.cursor ? "?since=" + encodeURIComponent(meta.cursor) : "");
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}}).then(function (r) {
      if (r.status === 401 || r.status === 403) { signedOut = "signIn"; throw new Error("signed out"); }
      if (r.status === 404) { signedOut = "removed"; throw new Error("no longer a helper"); }
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }).then(function (list) {
      signedOut = "";
      if (list.full) { entries.clear(); byHash.clear(); }
      list.entries.forEach(keep);
      meta.cursor = list.cursor;
      return write(["entries", "meta"], function (t) {
        var store = t.objectStore("entries");
        if (list.full) { store.clear(); }
        list.entries.forEach(function (e) { store.put(e); });
        t.objectStore("meta").put(meta, "meta");
      });
    }).then(function () {
      var settled = [];  // bibs this phone gave that the server now answers for
      marks.forEach(function (mark) {
        if (mark.bib && !queue.some(function (q) { return q.registration === mark.registration && q.bib; })) {
          delete mark.bib;
          settled.push(mark);
        }
      });
      return settled.length ? write(["marks"], function (t) {
        settled.forEach(function (mark) { t.objectStore("marks").put(mark); });
      }) : null;
    }).then(function () {
      byHash.clear();
      entries.forEach(function (e) { if (e.code_hash) { byHash.set(e.code_hash, e.registration); } });
      if (shown && entries.has(shown.registration)) { shown = entries.get(shown.registration); }
    });
  }
  function send() {
    if (!queue.length) { return Promise.resolve(); }
    var batch = queue.slice(0, BATCH);
    var scans = batch.map(function (q) {
      var s = {nonce: q.nonce, action: q.action, at: q.at, device: q.device};
      if (q.registration !== undefined) { s.registration = q.registration; } else { s.code = q.code; }
      if (q.bib) { s.bib = q.bib; }
      if (q.chips) { s.chips = q.chips; }
      return s;
    });
    return fetch(data.sync, {method: "POST", credentials: "same-origin", headers: {
      "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify({scans: scans})}).then(function (r) {
      if (r.status === 401 || r.status === 403) { signedOut = "signIn"; throw new Error("signed out"); }
      if (r.status === 404) { signedOut = "removed"; throw new Error("no longer a helper"); }
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }).then(function (answer) {
      var answered = new Map(answer.results.map(function (x) { return [x.nonce, x]; }));
      var refused = [];
      batch.forEach(function (q) {
        var a = answered.get(q.nonce);
        if (a && a.outcome === "refused") {
          refused.push({nonce: q.nonce, action: q.action, at: q.at, name: q.name, code: q.code || "",
            registration: q.registration, bib: q.bib || null, reason: a.reason, message: a.message});
        }
      });
      return write(["queue", "conflicts", "marks"], function (t) {
        batch.forEach(function (q) { if (answered.has(q.nonce)) { t.objectStore("queue").delete(q.nonce); } });
        refused.forEach(function (c) {
          t.objectStore("conflicts").put(c);
          var mark = c.registration !== undefined && marks.get(c.registration);
          if (mark) {
            delete mark[c.action];
            if (c.bib) { delete mark.bib; }
            t.objectStore("marks").put(mark);
          }
        });
      }).then(function () {
        queue = queue.filter(function (q) { return !answered.has(q.nonce); });
        conflicts = conflicts.concat(refused);
        if (queue.length) { return send(); }
      });
    });
  }
  function sync() {
    if (busy) { return Promise.resolve(); }
    busy = true;
    return send().then(pull).then(function () {
      meta.lastSync = new Date().toISOString();
      return saveMeta();
    }).catch(function () { /* no signal, or signed out: kept for the next try */ }).then(function () {
      busy = false;
      state();
      if (shown) { showRider(shown, "", ""); }
      find($("device-find").value);  // the list found before shows what the pull brought
    });
  }

  // --- codes: typed, scanned with the camera, or read from a photo -----------------------------
  function codeOf(text) {
    var code = text.trim();
    try { code = new URL(code).searchParams.get("code") || code; } catch (e) { /* not a link: the code itself */ }
    return code.replace(/[\s-]/g, "").toUpperCase();
  }
  function hashOf(code) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(code)).then(function (buffer) {
      return Array.from(new Uint8Array(buffer)).map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    });
  }
  function lookUp(text) {
    var code = codeOf(text);
    if (!code) { return Promise.resolve(); }
    return hashOf(code).then(function (hash) { showCode(code, hash); });
  }
  function decode(source, width, height) {  // a video frame or an image: the QR text or ""
    if ("BarcodeDetector" in window) {
      return new window.BarcodeDetector({formats: ["qr_code"]}).detect(source).then(function (found) {
        return found.length ? found[0].rawValue : "";
      }).catch(function () { return decodeWithJsQr(source, width, height); });
    }
    return Promise.resolve(decodeWithJsQr(source, width, height));
  }
  function decodeWithJsQr(source, width, height) {
    var scale = Math.min(1, 1024 / Math.max(width, height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    var context = canvas.getContext("2d", {willReadFrequently: true});
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(pixels.data, canvas.width, canvas.height);
    return found ? found.data : "";
  }
  $("scan-photo").addEventListener("change", function () {
    var file = this.files[0];
    this.value = "";
    if (!file) { return; }
    createImageBitmap(file).then(function (image) {
      return decode(image, image.width, image.height);
    }).then(function (text) {
      if (text) { return lookUp(text); }
      showRider(null, T.noQr, "unknown");
    }).catch(function () { showRider(null, T.noQr, "unknown"); });
  });
  var stream = null;
  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    $("scan-video").hidden = true;
    $("scan-camera").textContent = T.camera;
  }
  $("scan-camera").addEventListener("click", function () {
    if (stream) { stopCamera(); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { showRider(null, T.noCamera, "unknown"); return; }
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (s) {
      stream = s;
      var video = $("scan-video");
      video.srcObject = s;
      video.hidden = false;
      $("scan-camera").textContent = T.stopCamera;
      return video.play().then(function () {
        (function look() {
          if (!stream) { return; }
          decode(video, video.videoWidth, video.videoHeight).then(function (text) {
            if (text) { stopCamera(); lookUp(text); } else { setTimeout(look, 250); }
          });
        })();
      });
    }).catch(function () { stopCamera(); showRider(null, T.noCamera, "unknown"); });
  });
  $("device-code").addEventListener("submit", function (event) {
    event.preventDefault();
    lookUp($("device-code-input").value);
    $("device-code-input").value = "";
  });
  $("device-find").addEventListener("input", function () { find(this.value); });
  $("device-sync-now").addEventListener("click", function () {  // by hand: the whole list again (names, proxies)
    if (!busy) { meta.cursor = ""; }
    sync();
  });
  window.addEventListener("online", function () { state(); sync(); });
  window.addEventListener("offline", state);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.worker).catch(function () { /* the page still works online */ });
  }
  openDb().then(function (d) { db = d; return load(); }).then(function () {
    state();
    if (navigator.onLine) { return sync(); }
  }).then(function () {
    setInterval(function () { if (navigator.onLine) { sync(); } }, SYNC_EVERY_MS);
  }).catch(function () {
    $("device-state").textContent = T.noStorage;
  });
})();
