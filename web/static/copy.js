// A "Copy" button after each read-only field (a calendar address, say): the field stays
// selectable without script; with it, one tap copies the value and says so. The words come
// from the page's <template id="copy-words">, in the page's language.
"use strict";

(function () {
  const words = document.getElementById("copy-words");
  if (!words) {
    return;
  }

  function copyText(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    field.select(); // an insecure context has no clipboard API: the older command
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }

  document.querySelectorAll("main input[readonly]").forEach(function (field) {
    const controls = words.content.firstElementChild.cloneNode(true);
    const button = controls.querySelector("button");
    const status = controls.querySelector("[role=status]");
    button.addEventListener("click", function () {
      copyText(field).then(
        function () {
          status.textContent = status.dataset.copied;
        },
        function () {
          field.focus();
          field.select();
          status.textContent = status.dataset.failed;
        }
      );
    });
    (field.closest("label") || field).after(controls);
  });
})();
