// Event page: the countdown to registration opening and the meeting-point map.
(function () {
  "use strict";
  var countdown = document.getElementById("countdown");
  if (countdown) {
    var opens = new Date(countdown.getAttribute("data-opens")).getTime();
    var tick = function () {
      var left = Math.max(0, Math.floor((opens - Date.now()) / 1000));
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      countdown.textContent = (d ? d + "d " : "") + [h, m, s].map(function (n) { return String(n).padStart(2, "0"); }).join(":");
      if (left === 0) { window.location.reload(); } else { window.setTimeout(tick, 1000); }
    };
    tick();
  }
  // Leaflet inserts a string as HTML: labels typed by people go in as a text node, never markup
  var asText = function (text) { var span = document.createElement("span"); span.textContent = text; return span; };
  var holder = document.getElementById("meeting-map");
  var source = document.getElementById("meeting-data");
  if (holder && source && typeof L !== "undefined") {
    var data = JSON.parse(source.textContent);
    var map = L.map(holder, { scrollWheelZoom: false, zoomControl: false }).setView([data.lat, data.lon], 14);
    L.control.zoom({ zoomInTitle: holder.dataset.zoomIn, zoomOutTitle: holder.dataset.zoomOut }).addTo(map);
    if (data.tiles) { L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map); }
    L.circleMarker([data.lat, data.lon], { radius: 8, color: "#0b6e4f", fillOpacity: 1 }).bindTooltip(asText(data.label || "")).addTo(map);
  }
})();
