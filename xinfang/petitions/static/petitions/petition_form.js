/* The registration form: shows the fields of the chosen channel and kind of visit, and tells
   the repeat check (htmx, hx-trigger "repeat-source-changed") when a field it reads changes. */
(function () {
  const form = document.getElementById("petition-form");
  const anonymousChannels = ["letter", "call", "online"];

  function show(selector, visible) {
    form.querySelectorAll(selector).forEach(function (element) {
      element.hidden = !visible;
    });
  }

  function update() {
    const channel = form.elements.channel.value;
    const kind = form.querySelector("input[name=visit_kind]:checked");
    const collective = channel === "visit" && kind !== null && kind.value === "collective";
    const anonymousAllowed = anonymousChannels.includes(channel);
    const anonymous = anonymousAllowed && form.elements.anonymous.checked;
    show("[data-show=visit]", channel === "visit");
    show("[data-show=collective]", collective);
    show("[data-show=referral]", channel === "referral");
    show("[data-show=anonymous]", anonymousAllowed);
    show("[data-show=anonymous-note]", anonymous);
    show("[data-show=individual]", !collective && !anonymous);
  }

  form.addEventListener("change", update);
  // htmx would evaluate a trigger filter (change[...]) with Function(), which the policy forbids:
  // the repeat check listens for this event instead
  form.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("repeat-source")) {
      form.dispatchEvent(new CustomEvent("repeat-source-changed", { bubbles: true }));
    }
  });
  update();
})();
