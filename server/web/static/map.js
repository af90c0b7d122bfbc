// Draws the embedded points (compact arrays, see server/web/pages_map.py) with vendored Leaflet; tiles only when a URL is configured.
(function () {
  "use strict";
  // Legend swatches carry their colour as data: a style attribute would be inline style, which the
  // Content-Security-Policy refuses; setting it from a script is allowed.
  Array.prototype.forEach.call(document.querySelectorAll(".swatch[data-colour]"), function (swatch) {
    swatch.style.background = swatch.getAttribute("data-colour");
  });
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
  // Each point: [lat, lon, record id, specialist index, purpose index, local time, accuracy m, source,
  // location flags ("far", "poor_accuracy", comma-separated; "" when fine), metres from employer or -1].
  data.points.forEach(function (p) {
    var lat = p[0], lon = p[1], flags = p[8] || "";
    var marker = L.circleMarker([lat, lon], {
      radius: flags ? 10 : 8, color: flags ? "#c1121f" : "#1b1f24", weight: flags ? 4 : 1,
      fillColor: data.colours[p[data.colour_by]], fillOpacity: 0.9
    });
    var text = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/review/records/" + encodeURIComponent(p[2]);
    link.textContent = data.names[p[3]] + " · " + data.purposes[p[4]].replace(/_/g, " ");
    text.appendChild(link);
    text.appendChild(document.createElement("br"));
    text.appendChild(document.createTextNode(p[5] + " · ± " + p[6] + " m (" + p[7] + ")"));
    if (p[9] >= 0 || flags) {
      text.appendChild(document.createElement("br"));
      var check = (p[9] >= 0 ? p[9] + " m from the employer" : "");
      if (flags) { check = "Flagged: " + flags.replace(/_/g, " ").replace(",", ", ") + (check ? " · " + check : ""); }
      text.appendChild(document.createTextNode(check));
    }
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
