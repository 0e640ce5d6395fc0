// Places without typing coordinates. <button data-locate="lat-field,lon-field"> (or a single
// "lat,lon" field) fills in the browser's position; <div data-pick="lat-field,lon-field"> is a
// map where a tap sets the point (with the map tiles the site is configured for).
(function () {
  "use strict";
  function fields(spec) {
    return spec.split(",").map(function (id) { return document.getElementById(id); });
  }
  function put(targets, lat, lon) {
    lat = lat.toFixed(5); lon = lon.toFixed(5);
    if (targets.length === 1) { targets[0].value = lat + "," + lon; }
    else { targets[0].value = lat; targets[1].value = lon; }
    targets[0].dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.querySelectorAll("button[data-locate]").forEach(function (button) {
    if (!navigator.geolocation) { button.hidden = true; return; }
    button.addEventListener("click", function () {
      var targets = fields(button.dataset.locate);
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        put(targets, position.coords.latitude, position.coords.longitude);
        button.disabled = false;
      }, function () {
        button.disabled = false;
        button.textContent = button.dataset.failed || button.textContent;
      }, { enableHighAccuracy: true, timeout: 10000 });
    });
  });
  document.querySelectorAll("div[data-pick]").forEach(function (holder) {
    if (typeof L === "undefined") { return; }
    var targets = fields(holder.dataset.pick);
    var lat = parseFloat(targets[0].value), lon = parseFloat(targets[1].value);
    var start = isNaN(lat) || isNaN(lon) ? [37.07, 114.50] : [lat, lon];  // Xingtai
    var map = L.map(holder, { scrollWheelZoom: false, zoomControl: false }).setView(start, isNaN(lat) ? 10 : 14);
    L.control.zoom({ zoomInTitle: holder.dataset.zoomIn, zoomOutTitle: holder.dataset.zoomOut }).addTo(map);
    if (holder.dataset.tiles) {
      L.tileLayer(holder.dataset.tiles, { maxZoom: 18, attribution: holder.dataset.attribution || "" }).addTo(map);
    }
    var marker = isNaN(lat) ? null : L.marker(start).addTo(map);
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
    }
    map.on("click", function (event) { place(event.latlng); put(targets, event.latlng.lat, event.latlng.lng); });
    targets.forEach(function (input) {
      input.addEventListener("change", function () {
        var a = parseFloat(targets[0].value), b = parseFloat(targets[1].value);
        if (!isNaN(a) && !isNaN(b)) { place([a, b]); map.setView([a, b], 14); }
      });
    });
    holder.setAttribute("data-ready", "1");
  });
})();
