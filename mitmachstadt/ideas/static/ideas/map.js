// The idea map: markers from /api/v1/ideas.geojson, clustered. The list of located ideas on
// the same page shows the same ideas without JavaScript.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function popup(box, properties) {
    // Built from DOM nodes with textContent: titles are user input and never parsed as HTML.
    var wrap = document.createElement("div");
    wrap.className = "map-popup";
    var link = document.createElement("a");
    link.href = String(properties.url || "");
    if (!/^https?:\/\//.test(link.href)) { link.removeAttribute("href"); }
    link.textContent = String(properties.title || "");
    var heading = document.createElement("p");
    heading.className = "map-popup-title";
    heading.appendChild(link);
    wrap.appendChild(heading);
    var figures = document.createElement("p");
    figures.textContent = (properties.supports || 0) + " " + (box.dataset.supportsLabel || "") +
      " · " + (properties.comments || 0) + " " + (box.dataset.commentsLabel || "");
    wrap.appendChild(figures);
    return wrap;
  }
  ready(function () {
    var box = document.getElementById("idea-map");
    if (!box || typeof L === "undefined") { return; }
    box.hidden = false;
    var map = L.map(box).setView(
      [parseFloat(box.dataset.lat) || 51.1657, parseFloat(box.dataset.lon) || 10.4515],
      parseInt(box.dataset.zoom, 10) || 12
    );
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "", maxZoom: 19 }).addTo(map);
    }
    var cluster = typeof L.markerClusterGroup === "function" ? L.markerClusterGroup() : L.layerGroup();
    cluster.addTo(map);
    fetch(box.dataset.geojson, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        var bounds = [];
        (data.features || []).forEach(function (feature) {
          var coords = feature.geometry && feature.geometry.coordinates;
          if (!coords || coords.length < 2) { return; }
          var latlng = [coords[1], coords[0]];
          var marker = L.marker(latlng, { title: String(feature.properties.title || ""), alt: String(feature.properties.title || "") });
          marker.bindPopup(popup(box, feature.properties));
          cluster.addLayer(marker);
          bounds.push(latlng);
        });
        if (bounds.length > 1) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 }); }
        else if (bounds.length === 1) { map.setView(bounds[0], 15); }
      })
      .catch(function () {
        var note = document.createElement("p");
        note.className = "inline-error";
        note.setAttribute("role", "alert");
        note.textContent = box.dataset.errorLabel || "";
        box.parentNode.insertBefore(note, box);
        box.hidden = true;
      });
  });
})();
