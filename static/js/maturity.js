/* Maturity pages: plotly charts from JSON data islands, autosave of the assessment questionnaire,
   confirmation of destructive forms. Progressive enhancement: every page works without it. */
(function () {
  "use strict";

  function drawPlots() {
    if (typeof window.Plotly === "undefined") { return; }
    document.querySelectorAll(".plot[data-plot]").forEach(function (el) {
      var island = document.getElementById(el.getAttribute("data-plot"));
      if (!island) { return; }
      var figure = JSON.parse(island.textContent);
      window.Plotly.newPlot(el, figure.data, figure.layout, { displayModeBar: false, responsive: true });
    });
  }

  function autosave(form) {
    var status = form.querySelector("[data-autosave-status]");
    var timer = null;
    var pending = false;
    var running = false;

    function say(text, kind) {
      if (!status) { return; }
      status.textContent = text;
      status.className = "autosave-status" + (kind ? " autosave-status--" + kind : "");
    }

    function clearErrors() {
      form.querySelectorAll(".practice .js-error").forEach(function (n) { n.remove(); });
      form.querySelectorAll(".practice--invalid").forEach(function (n) { n.classList.remove("practice--invalid"); });
    }

    function send() {
      if (running) { pending = true; return; }
      running = true;
      say(form.getAttribute("data-saving-text"));
      fetch(window.location.pathname, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        clearErrors();
        var errors = (result.body && result.body.errors) || {};
        Object.keys(errors).forEach(function (pk) {
          var fieldset = form.querySelector('[data-practice="' + pk + '"]');
          if (!fieldset) { return; }
          fieldset.classList.add("practice--invalid");
          var note = document.createElement("div");
          note.className = "field__error js-error";
          note.setAttribute("role", "alert");
          note.textContent = errors[pk].join(" ");
          fieldset.insertBefore(note, fieldset.querySelector(".stage-options"));
        });
        if (result.ok) {
          form.querySelectorAll('input[type="file"]').forEach(function (input) { input.value = ""; });
          var counter = document.querySelector("[data-answered]");
          if (counter && typeof result.body.answered === "number") { counter.textContent = result.body.answered; }
          say(form.getAttribute("data-saved-text"), "ok");
        } else {
          say((result.body && result.body.detail) || form.getAttribute("data-error-text"), "error");
        }
      }).catch(function () {
        say(form.getAttribute("data-error-text"), "error");
      }).then(function () {
        running = false;
        if (pending) { pending = false; send(); }
      });
    }

    form.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(send, 500);
    });
  }

  function confirmForms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  function init() {
    drawPlots();
    document.querySelectorAll('form.sheet[data-autosave="1"]').forEach(autosave);
    confirmForms();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
