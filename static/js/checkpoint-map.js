// The Timing page's map: tap a route to place a checkpoint. The nearest point of the line (of the
// route chosen in the form, or of any route) gives the distance along it, scaled to the route's
// measured length, and fills the form's km field. The checkpoints already placed are drawn.
(function () {
  "use strict";
  var holder = document.getElementById("course-map");
  var source = document.getElementById("course-map-data");
  if (!holder || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var km = document.getElementById("id_distance_km");
  var route = document.getElementById("id_route_version");
  var picked = document.getElementById("course-picked");
  var map = L.map(holder, { scrollWheelZoom: false, zoomControl: false });
  L.control.zoom({ zoomInTitle: data.labels.zoom_in, zoomOutTitle: data.labels.zoom_out }).addTo(map);
  if (data.tiles) { L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map); }
  function metres(a, b) {
    var r = 6371008.8, rad = Math.PI / 180;
    var dlat = (b[0] - a[0]) * rad, dlon = (b[1] - a[1]) * rad;
    var h = Math.sin(dlat / 2) * Math.sin(dlat / 2) +
      Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dlon / 2) * Math.sin(dlon / 2);
    return 2 * r * Math.asin(Math.sqrt(h));
  }
  var bounds = L.latLngBounds([]);
  data.routes.forEach(function (r) {
    r.along = [0];
    for (var i = 1; i < r.line.length; i++) { r.along.push(r.along[i - 1] + metres(r.line[i - 1], r.line[i])); }
    var drawn = L.polyline(r.line, { color: "#0b6e4f", weight: 5 }).addTo(map);
    bounds.extend(drawn.getBounds());
  });
  data.checkpoints.forEach(function (c) {
    var span = document.createElement("span");
    span.textContent = c.name;
    L.circleMarker([c.lat, c.lon], { radius: 7, color: "#1e3a8a", fillOpacity: 0.9 }).bindTooltip(span).addTo(map);
  });
  if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12] }); } else { map.setView([37.07, 114.5], 10); }
  var marker = null;
  map.on("click", function (event) {
    var wanted = route ? parseInt(route.value, 10) : NaN;
    var best = null;
    data.routes.forEach(function (r) {
      if (!isNaN(wanted) && data.routes.length > 1 && r.id !== wanted) { return; }
      for (var i = 0; i < r.line.length; i++) {
        var d = metres([event.latlng.lat, event.latlng.lng], r.line[i]);
        if (!best || d < best.d) { best = { d: d, r: r, i: i }; }
      }
    });
    if (!best) { return; }
    var total = best.r.along[best.r.along.length - 1] || 1;
    var value = (best.r.along[best.i] * best.r.total_m / total / 1000).toFixed(2);
    if (km) { km.value = value; }
    if (route) { route.value = String(best.r.id); }
    if (marker) { marker.setLatLng(best.r.line[best.i]); }
    else { marker = L.circleMarker(best.r.line[best.i], { radius: 8, color: "#9a3412", weight: 3, fillOpacity: 0.5 }).addTo(map); }
    if (picked) { picked.textContent = data.labels.picked.replace("%(km)s", value); }
  });
  holder.querySelectorAll(".leaflet-overlay-pane path").forEach(function (path) { path.setAttribute("tabindex", "-1"); });
  holder.setAttribute("data-drawn", "1");
})();
