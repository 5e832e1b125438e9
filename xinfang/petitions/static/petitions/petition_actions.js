/* The petition page's step forms: a list of people shows only those of the unit chosen in the
   field it depends on (交办's handlers, 挂牌督办's 责任人 and 督办人); anyone else would be refused
   after submitting. */
(function () {
  document.querySelectorAll("select[data-group-by]").forEach(function (people) {
    const unit = document.getElementById(people.dataset.groupBy);
    if (unit === null) {
      return;
    }
    function update() {
      people.querySelectorAll("option[data-group]").forEach(function (option) {
        const mine = unit.value !== "" && option.dataset.group === unit.value;
        option.hidden = !mine;
        option.disabled = !mine;
        if (!mine && option.selected) {
          people.value = "";
        }
      });
    }
    unit.addEventListener("change", update);
    update();
  });
})();
