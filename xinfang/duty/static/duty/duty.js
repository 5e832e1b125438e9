/* Duty pages (值班), without inline script (Content-Security-Policy: script-src 'self').
   data-print on a button: prints the page (the roster, the duty log, the handover). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();
