/* Behaviour every page shares, without inline script (Content-Security-Policy: script-src 'self').
   data-confirm="…" on a button or link: asks before it acts.
   data-autosubmit on a field: submits its form when it changes. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var element = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (element && !window.confirm(element.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.form && field.hasAttribute && field.hasAttribute("data-autosubmit")) {
      if (field.form.requestSubmit) { field.form.requestSubmit(); } else { field.form.submit(); }
    }
  });
})();
