// The organizer's map of the field: the routes, each checkpoint with the riders last seen there,
// every rider still out at their last known place (a passing, or a phone position when newer), and
// the SOS calls in red. Drawn from the JSON the page embeds; without tiles on a blank background.
(function () {
  "use strict";
  var holder = document.getElementById("field-map");
  var source = document.getElementById("field-map-data");
  if (!holder || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var asText = function (text) { var span = document.createElement("span"); span.textContent = text; return span; };
  var map = L.map(holder, { scrollWheelZoom: false, zoomControl: false });
  L.control.zoom({ zoomInTitle: data.labels.zoom_in, zoomOutTitle: data.labels.zoom_out }).addTo(map);
  if (data.tiles) { L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map); }
  var bounds = L.latLngBounds([]);
  data.routes.forEach(function (line) {
    var drawn = L.polyline(line, { color: "#0b6e4f", weight: 4, interactive: false }).addTo(map);
    bounds.extend(drawn.getBounds());
  });
  data.checkpoints.forEach(function (c) {
    L.circleMarker([c.lat, c.lon], { radius: 8, color: "#1e3a8a", fillOpacity: 0.9 })
      .bindTooltip(asText(c.name + " · " + c.out + " " + data.labels.riders_here), { permanent: true, direction: "right" }).addTo(map);
    bounds.extend([c.lat, c.lon]);
  });
  data.riders.forEach(function (r) {
    L.circleMarker([r.lat, r.lon], { radius: 4, color: r.status === "dnf" ? "#b45309" : "#0f766e", fillOpacity: 0.8 })
      .bindTooltip(asText(data.labels.bib + " " + r.bib + " · " + r.at)).addTo(map);
  });
  (data.sos || []).forEach(function (s) {
    L.circleMarker([s.lat, s.lon], { radius: 10, color: "#dc2626", weight: 4, fillOpacity: 0.6 })
      .bindTooltip(asText("SOS · " + data.labels.bib + " " + s.bib + " · " + s.at), { permanent: true }).addTo(map);
    bounds.extend([s.lat, s.lon]);
  });
  if (data.trail && data.trail.length) {
    var trail = L.polyline(data.trail, { color: "#2563eb", weight: 3, interactive: false }).addTo(map);
    L.circleMarker(data.trail[data.trail.length - 1], { radius: 8, color: "#2563eb", fillOpacity: 0.9, interactive: false }).addTo(map);
    bounds.extend(trail.getBounds());
  }
  if (bounds.isValid()) { map.fitBounds(bounds, { padding: [16, 16] }); } else { map.setView([37.07, 114.5], 10); }
  holder.querySelectorAll(".leaflet-overlay-pane path").forEach(function (path) { path.setAttribute("tabindex", "-1"); });
  holder.setAttribute("data-drawn", "1");
})();
