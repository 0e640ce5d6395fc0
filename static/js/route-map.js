// Draws the route page map from the JSON the server embedded: line, start, finish, POIs.
// Works offline: without a tile server the line still draws on a blank background.
(function () {
  "use strict";
  var holder = document.getElementById("route-map");
  var source = document.getElementById("route-map-data");
  if (!holder || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  // Leaflet inserts a string as HTML: GPX names come from anyone's file, so they go in as text
  var asText = function (text) { var span = document.createElement("span"); span.textContent = text; return span; };
  var map = L.map(holder, { scrollWheelZoom: false });
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map);
  }
  var lines = L.polyline(data.line, { color: "#0b6e4f", weight: 4 }).addTo(map);
  L.circleMarker(data.start, { radius: 7, color: "#166534", fillOpacity: 1 }).bindTooltip(asText(data.labels.start)).addTo(map);
  L.circleMarker(data.finish, { radius: 7, color: "#9a3412", fillOpacity: 1 }).bindTooltip(asText(data.labels.finish)).addTo(map);
  var colours = { water: "#2563eb", repair: "#7c3aed", food: "#d97706", viewpoint: "#059669", danger: "#dc2626", other: "#475569" };
  data.pois.forEach(function (p) {
    L.circleMarker([p.lat, p.lon], { radius: 5, color: colours[p.kind] || colours.other, fillOpacity: 0.9 })
      .bindPopup(asText(p.label + (p.name ? ": " + p.name : ""))).addTo(map);
  });
  map.fitBounds(lines.getBounds(), { padding: [12, 12] });
  holder.setAttribute("data-drawn", "1");
})();
