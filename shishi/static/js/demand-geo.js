// The public demand form's "use my location" button: fills the WGS-84 latitude and longitude
// from the browser's geolocation. Without this script the inputs are typed by hand.
(function () {
  "use strict";
  var button = document.getElementById("geo-button");
  if (!button || !navigator.geolocation) return;
  var lat = document.getElementById("id_lat");
  var lon = document.getElementById("id_lon");
  var status = document.getElementById("geo-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.wait;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        status.textContent = button.dataset.done;
      },
      function () {
        status.textContent = button.dataset.fail;
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  });
})();
