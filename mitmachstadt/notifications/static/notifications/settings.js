// Notification settings: web push on this device, and picking a point on the map.
// Progressive enhancement only: without this file the page works with typed coordinates.
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function keyBytes(base64url) {
    var padding = "=".repeat((4 - (base64url.length % 4)) % 4);
    var raw = window.atob((base64url + padding).replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    });
  }

  function setupPush() {
    var box = document.getElementById("push-controls");
    if (!box) { return; }
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !window.fetch) { return; }
    var status = document.getElementById("push-status");
    box.querySelector(".push-unsupported").hidden = true;
    box.querySelector(".push-supported").hidden = false;
    function say(text) { status.textContent = text; }

    document.getElementById("push-enable").addEventListener("click", function () {
      say(box.dataset.working || "…");
      navigator.serviceWorker.register("/sw.js", { scope: "/" })
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function (registration) {
          return registration.pushManager.getSubscription().then(function (existing) {
            return existing || registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: keyBytes(box.dataset.key)
            });
          });
        })
        .then(function (subscription) { return post(box.dataset.subscribe, subscription.toJSON()); })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          window.location.reload();
        })
        .catch(function (error) { say(String(error && error.message ? error.message : error)); });
    });

    document.getElementById("push-disable").addEventListener("click", function () {
      navigator.serviceWorker.getRegistration("/")
        .then(function (registration) {
          return registration ? registration.pushManager.getSubscription() : null;
        })
        .then(function (subscription) {
          if (!subscription) { return null; }
          var endpoint = subscription.endpoint;
          return subscription.unsubscribe().then(function () {
            return post(box.dataset.unsubscribe, { endpoint: endpoint });
          });
        })
        .then(function () { window.location.reload(); })
        .catch(function (error) { say(String(error && error.message ? error.message : error)); });
    });
  }

  function setupMap() {
    var el = document.getElementById("radius-map");
    if (!el || !window.L) { return; }
    var latInput = document.getElementById(el.dataset.latInput);
    var lonInput = document.getElementById(el.dataset.lonInput);
    var radiusInput = document.getElementById(el.dataset.radiusInput);
    if (!latInput || !lonInput || !radiusInput) { return; }
    el.hidden = false;
    var start = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var map = window.L.map(el).setView(start, parseInt(el.dataset.zoom, 10) || 12);
    if (el.dataset.tiles) {
      window.L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
    }
    var circle = null;
    function draw() {
      var lat = parseFloat(latInput.value);
      var lon = parseFloat(lonInput.value);
      var radius = parseInt(radiusInput.value, 10) || 1000;
      if (isNaN(lat) || isNaN(lon)) { return; }
      if (circle) { circle.setLatLng([lat, lon]).setRadius(radius); }
      else { circle = window.L.circle([lat, lon], { radius: radius }).addTo(map); }
    }
    map.on("click", function (event) {
      latInput.value = event.latlng.lat.toFixed(6);
      lonInput.value = event.latlng.lng.toFixed(6);
      draw();
    });
    [latInput, lonInput, radiusInput].forEach(function (input) {
      input.addEventListener("change", draw);
    });
    draw();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPush();
    setupMap();
  });
})();
