/* The public guide map (education/public_landmarks.html): Leaflet over the configured tiles,
 * a marker per landmark and a line per themed route. Everything it draws comes from the
 * page's JSON (#guide-map-data), coordinates already in the tiles' datum (converted on the
 * server); the list under the map is the page without it. Text goes in through the DOM
 * (textContent), never as HTML. */
(function () {
  "use strict";

  var ROUTE_COLOURS = ["#c0392b", "#1f6feb", "#2e7d32", "#b26a00", "#6f42c1"];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function popup(landmark, text) {
    var box = el("div", "guide-popup");
    var title = el("b", "", landmark.name);
    box.appendChild(title);
    if (landmark.sample) {
      box.appendChild(document.createTextNode(" "));
      box.appendChild(el("span", "badge badge-amber", text.sample));
    }
    box.appendChild(el("div", "muted", landmark.address));
    box.appendChild(el("div", "", text.check_ins + " " + landmark.check_ins));
    var link = el("a", "", text.open);
    link.href = landmark.url;
    box.appendChild(link);
    return box;
  }

  function start() {
    var holder = document.getElementById("guide-map");
    var source = document.getElementById("guide-map-data");
    if (!holder || !source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var tiles = data.tiles;
    var map = L.map(holder, { scrollWheelZoom: false });
    var options = {
      attribution: tiles.attribution,
      maxZoom: tiles.max_zoom,
      subdomains: tiles.subdomains.length ? tiles.subdomains : "abc"
    };
    L.tileLayer(tiles.url, options).addTo(map);
    if (tiles.labels_url) L.tileLayer(tiles.labels_url, options).addTo(map);

    var bounds = [];
    data.landmarks.forEach(function (landmark) {
      var point = [landmark.lat, landmark.lng];
      bounds.push(point);
      var marker = L.marker(point, { title: landmark.name, alt: landmark.name });
      marker.bindPopup(popup(landmark, data.text));
      marker.addTo(map);
    });
    data.routes.forEach(function (route, index) {
      var line = L.polyline(route.points, {
        color: ROUTE_COLOURS[index % ROUTE_COLOURS.length],
        weight: 4,
        opacity: 0.8
      });
      line.bindTooltip(route.name);
      line.addTo(map);
    });
    if (bounds.length === 1) {
      map.setView(bounds[0], Math.min(15, tiles.max_zoom));
    } else {
      map.fitBounds(bounds, { padding: [40, 40], maxZoom: Math.min(16, tiles.max_zoom) });
    }
    holder.setAttribute("data-ready", "true");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
