/* The petition page's step forms: the handler list of 交办 shows only the handlers of the unit
   chosen (a handler of another unit would be refused after submitting). */
(function () {
  document.querySelectorAll("select[data-handlers-of]").forEach(function (handlers) {
    const unit = document.getElementById(handlers.dataset.handlersOf);
    if (unit === null) {
      return;
    }
    function update() {
      handlers.querySelectorAll("option[data-unit]").forEach(function (option) {
        const mine = unit.value !== "" && option.dataset.unit === unit.value;
        option.hidden = !mine;
        option.disabled = !mine;
        if (!mine && option.selected) {
          handlers.value = "";
        }
      });
    }
    unit.addEventListener("change", update);
    update();
  });
})();
