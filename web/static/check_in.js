// "I am here": before the check-in form goes, ask the phone where it is and send that along,
// so the server can tell a check-in at the hospital from one at home. If the phone cannot
// say, or the volunteer refuses, or it takes over eight seconds, the form goes without it.
"use strict";

(function () {
  document.querySelectorAll("form.check-in").forEach(function (form) {
    let asked = false;
    form.addEventListener("submit", function (event) {
      if (asked || !navigator.geolocation) {
        return;
      }
      event.preventDefault();
      asked = true;
      const send = function () {
        form.requestSubmit ? form.requestSubmit() : form.submit();
      };
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude;
          form.elements.lon.value = position.coords.longitude;
          send();
        },
        send,
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
      );
    });
  });
})();
