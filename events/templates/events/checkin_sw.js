{% autoescape off %}// The check-in app's service worker (events/views/helpers.py): keeps the app's page and assets
// so that the page opens with no signal. The network first (with a short wait, for the mountains'
// weak signal), the kept copy when it does not answer. API calls are never kept here: the app keeps
// its start list and its queue in IndexedDB (static/js/checkin-device.js).
"use strict";
var CACHE = "checkin-app";
var ASSETS = {{ assets }};
var WAIT_MS = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function kept(path) {
  return caches.open(CACHE).then(function (cache) { return cache.match(path); });
}

function networkFirst(request, path) {
  return new Promise(function (resolve) {
    var settled = false;
    function fallBack() {
      kept(path).then(function (copy) {
        if (copy && !settled) { settled = true; resolve(copy); }
      });
    }
    var timer = setTimeout(fallBack, WAIT_MS);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      if (response.ok && !response.redirected) {  // never keep a sign-in page in the app's place
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
      }
      if (!settled) { settled = true; resolve(response); }
    }).catch(function () {
      clearTimeout(timer);
      kept(path).then(function (copy) {
        if (!settled) { settled = true; resolve(copy || Response.error()); }
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || ASSETS.indexOf(url.pathname) < 0) { return; }
  event.respondWith(networkFirst(request, url.pathname));
});
{% endautoescape %}
