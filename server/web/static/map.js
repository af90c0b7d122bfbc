// Draws the embedded GeoJSON points with vendored Leaflet; tiles only when a URL is configured.
(function () {
  "use strict";
  var element = document.getElementById("map");
  var data = JSON.parse(document.getElementById("map-points").textContent);
  // maxZoom on the map itself: clustering needs it, and with no tile layer nothing else sets it.
  var map = L.map(element, { maxZoom: 18, minZoom: 2 });
  var tiles = element.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: "&copy; map data contributors" }).addTo(map);
  }
  var clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
  var bounds = [];
  data.features.forEach(function (feature) {
    var lon = feature.geometry.coordinates[0], lat = feature.geometry.coordinates[1];
    var p = feature.properties;
    var marker = L.circleMarker([lat, lon], {
      radius: 8, color: "#1b1f24", weight: 1, fillColor: p.colour, fillOpacity: 0.9
    });
    var text = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/review/records/" + encodeURIComponent(p.record_id);
    link.textContent = p.specialist + " · " + (p.purpose || "").replace(/_/g, " ");
    text.appendChild(link);
    text.appendChild(document.createElement("br"));
    text.appendChild(document.createTextNode(p.when + " · ± " + Math.round(p.accuracy_m || 0) + " m (" + (p.geotag_source || "") + ")"));
    marker.bindPopup(text);
    clusters.addLayer(marker);
    bounds.push([lat, lon]);
  });
  map.addLayer(clusters);
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
  } else {
    map.setView([54.0, -2.5], 5);
  }
})();
