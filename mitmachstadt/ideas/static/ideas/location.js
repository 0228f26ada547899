// Click-to-place map for the location of an idea. The latitude/longitude inputs remain the
// source of truth and work without this file (and with the keyboard).
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function number(value) {
    var parsed = parseFloat(String(value || "").replace(",", "."));
    return isNaN(parsed) ? null : parsed;
  }
  ready(function () {
    var box = document.getElementById("location-map");
    if (!box || typeof L === "undefined") { return; }
    var latInput = document.getElementById(box.dataset.latInput);
    var lonInput = document.getElementById(box.dataset.lonInput);
    if (!latInput || !lonInput) { return; }
    box.hidden = false;
    var tools = document.getElementById("location-tools");
    if (tools) { tools.hidden = false; }
    var centre = [number(box.dataset.lat) || 51.1657, number(box.dataset.lon) || 10.4515];
    var map = L.map(box, { scrollWheelZoom: false }).setView(centre, parseInt(box.dataset.zoom, 10) || 12);
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "", maxZoom: 19 }).addTo(map);
    }
    var marker = null;
    function place(lat, lon, pan) {
      if (marker) { marker.setLatLng([lat, lon]); }
      else { marker = L.marker([lat, lon], { title: box.dataset.markerLabel || "", keyboard: false }).addTo(map); }
      if (pan) { map.panTo([lat, lon]); }
    }
    function write(lat, lon) {
      latInput.value = lat.toFixed(6);
      lonInput.value = lon.toFixed(6);
      latInput.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function fromInputs() {
      var lat = number(latInput.value), lon = number(lonInput.value);
      if (lat !== null && lon !== null) { place(lat, lon, true); }
      else if (marker) { map.removeLayer(marker); marker = null; }
    }
    map.on("click", function (event) {
      write(event.latlng.lat, event.latlng.lng);
      place(event.latlng.lat, event.latlng.lng, false);
    });
    latInput.addEventListener("input", fromInputs);
    lonInput.addEventListener("input", fromInputs);
    var centreButton = document.getElementById("location-centre");
    if (centreButton) {
      centreButton.addEventListener("click", function () {
        var c = map.getCenter();
        write(c.lat, c.lng);
        place(c.lat, c.lng, false);
      });
    }
    var clearButton = document.getElementById("location-clear");
    if (clearButton) {
      clearButton.addEventListener("click", function () {
        latInput.value = "";
        lonInput.value = "";
        fromInputs();
      });
    }
    fromInputs();
  });
})();
