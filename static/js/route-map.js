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
  var map = L.map(holder, { scrollWheelZoom: false, zoomControl: false });
  // Leaflet's buttons speak the page's language (their titles are English otherwise)
  L.control.zoom({ zoomInTitle: data.labels.zoom_in, zoomOutTitle: data.labels.zoom_out }).addTo(map);
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map);
  }
  // the line is a picture, not a control: no unnamed Tab stop (the profile below reads it by keyboard)
  var lines = L.polyline(data.line, { color: "#0b6e4f", weight: 4, interactive: false }).addTo(map);
  L.circleMarker(data.start, { radius: 7, color: "#166534", fillOpacity: 1 }).bindTooltip(asText(data.labels.start)).addTo(map);
  L.circleMarker(data.finish, { radius: 7, color: "#9a3412", fillOpacity: 1 }).bindTooltip(asText(data.labels.finish)).addTo(map);
  var colours = { water: "#2563eb", repair: "#7c3aed", food: "#d97706", viewpoint: "#059669", danger: "#dc2626", other: "#475569" };
  data.pois.forEach(function (p) {
    L.circleMarker([p.lat, p.lon], { radius: 5, color: colours[p.kind] || colours.other, fillOpacity: 0.9 })
      .bindPopup(asText(p.label + (p.name ? ": " + p.name : ""))).addTo(map);
  });
  map.fitBounds(lines.getBounds(), { padding: [12, 12] });
  // the markers answer the pointer (tooltips, popups); for the keyboard the page lists the points of
  // interest in words and the profile reads the line: no unnamed Tab stops inside the map
  holder.querySelectorAll(".leaflet-overlay-pane path").forEach(function (path) { path.setAttribute("tabindex", "-1"); });
  // the profile's readout moves this marker (below)
  var here = null;
  // the line is a list of segments, each a list of [lat, lon]: the readout walks them in order
  window.routeMapLine = data.line.length && Array.isArray(data.line[0][0]) ? [].concat.apply([], data.line) : data.line;
  window.routeMapMarker = function (latlon) {
    if (here) { here.setLatLng(latlon); }
    else { here = L.circleMarker(latlon, { radius: 8, color: "#9a3412", weight: 3, fillOpacity: 0.4, interactive: false }).addTo(map); }
  };
  holder.setAttribute("data-drawn", "1");
})();
// The elevation profile's readout: touch or point at it to read distance and height, with a
// marker at that place on the map (the line's own distances, WGS-84 haversine). With the keyboard
// the profile is a slider: arrows move 1% of the route (PageUp/PageDown 10%), Home and End.
(function () {
  "use strict";
  var wrap = document.getElementById("profile");
  var source = document.getElementById("route-profile-data");
  var readout = document.getElementById("profile-readout");
  if (!wrap || !source || !readout) { return; }
  var profile = JSON.parse(source.textContent);
  var line = window.routeMapLine || [];
  var cumulative = [0];
  function haversine(a, b) {
    var r = 6371.0088, rad = Math.PI / 180;
    var dlat = (b[0] - a[0]) * rad, dlon = (b[1] - a[1]) * rad;
    var h = Math.sin(dlat / 2) * Math.sin(dlat / 2) +
      Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dlon / 2) * Math.sin(dlon / 2);
    return 2 * r * Math.asin(Math.sqrt(h));
  }
  for (var i = 1; i < line.length; i++) { cumulative.push(cumulative[i - 1] + haversine(line[i - 1], line[i])); }
  var cursor = document.createElement("div");
  cursor.className = "profile-cursor";
  cursor.hidden = true;
  wrap.appendChild(cursor);
  function visibleSvg() {
    var all = wrap.querySelectorAll("svg");
    for (var j = 0; j < all.length; j++) { if (all[j].getBoundingClientRect().width > 0) { return all[j]; } }
    return null;
  }
  function at(km) {  // the profile sample nearest to km
    var best = profile[0];
    profile.forEach(function (p) { if (Math.abs(p[0] - km) < Math.abs(best[0] - km)) { best = p; } });
    return best;
  }
  function place(km) {  // a point of the map line at km (scaled to the profile's length)
    if (line.length < 2) { return null; }
    var total = cumulative[cumulative.length - 1], want = km / profile[profile.length - 1][0] * total;
    for (var k = 1; k < cumulative.length; k++) {
      if (cumulative[k] >= want) {
        var f = (want - cumulative[k - 1]) / Math.max(cumulative[k] - cumulative[k - 1], 1e-9);
        return [line[k - 1][0] + f * (line[k][0] - line[k - 1][0]), line[k - 1][1] + f * (line[k][1] - line[k - 1][1])];
      }
    }
    return line[line.length - 1];
  }
  var km0 = profile[0][0], km1 = profile[profile.length - 1][0], current = km0;
  function showKm(km) {
    var svg = visibleSvg();
    if (!svg) { return; }
    var box = svg.getBoundingClientRect(), view = svg.viewBox.baseVal;
    var scale = box.width / view.width;
    var left = parseFloat(svg.dataset.left) * scale, plot = parseFloat(svg.dataset.plot) * scale;
    var point = at(Math.min(Math.max(km, km0), km1));
    current = point[0];
    cursor.hidden = false;
    cursor.style.left = (left + (point[0] - km0) / Math.max(km1 - km0, 1e-9) * plot) + "px";
    readout.textContent = point[0].toFixed(1) + " " + wrap.dataset.km + " · " + Math.round(point[1]) + " " + wrap.dataset.m;
    readout.setAttribute("data-km", point[0].toFixed(2));
    wrap.setAttribute("aria-valuenow", point[0].toFixed(1));
    wrap.setAttribute("aria-valuetext", readout.textContent);
    var where = place(point[0]);
    if (where && window.routeMapMarker) { window.routeMapMarker(where); }
  }
  function show(clientX) {
    var svg = visibleSvg();
    if (!svg) { return; }
    var box = svg.getBoundingClientRect(), scale = box.width / svg.viewBox.baseVal.width;
    var left = parseFloat(svg.dataset.left) * scale, plot = parseFloat(svg.dataset.plot) * scale;
    showKm(km0 + Math.min(Math.max((clientX - box.left - left) / plot, 0), 1) * (km1 - km0));
  }
  wrap.addEventListener("pointermove", function (event) { show(event.clientX); });
  wrap.addEventListener("pointerdown", function (event) { show(event.clientX); });
  wrap.tabIndex = 0;
  wrap.setAttribute("role", "slider");
  wrap.setAttribute("aria-valuemin", km0.toFixed(1));
  wrap.setAttribute("aria-valuemax", km1.toFixed(1));
  wrap.setAttribute("aria-valuenow", km0.toFixed(1));
  var moves = { ArrowRight: 0.01, ArrowUp: 0.01, ArrowLeft: -0.01, ArrowDown: -0.01, PageUp: 0.1, PageDown: -0.1 };
  wrap.addEventListener("keydown", function (event) {
    var span = km1 - km0;
    if (event.key in moves) { showKm(current + moves[event.key] * span); }
    else if (event.key === "Home") { showKm(km0); }
    else if (event.key === "End") { showKm(km1); }
    else { return; }
    event.preventDefault();
  });
})();
