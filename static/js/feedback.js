/* Feedback pages, progressive enhancement only: everything works without this file.
   - Ambassador form: show only the chosen metric's scale; one tap disables the buttons (the server
     also dedupes a double submit through the form's external id).
   - Import progress: poll the JSON endpoint and update the bar; reload when the job is finished. */
(function () {
  "use strict";

  function initLogForm(form) {
    form.classList.add("fb-js");
    var select = form.querySelector("[data-fb-metric]");
    var blocks = form.querySelectorAll("[data-fb-block]");
    function show() {
      blocks.forEach(function (block) {
        if (block.getAttribute("data-fb-block") === select.value) {
          block.removeAttribute("data-fb-hidden");
        } else {
          block.setAttribute("data-fb-hidden", "");
        }
      });
    }
    if (select) { select.addEventListener("change", show); show(); }
    form.addEventListener("submit", function (event) {
      var tap = event.submitter;
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      if (tap && tap.name) {
        // Disabled buttons are not submitted: carry the tapped value in a hidden field.
        var carry = document.createElement("input");
        carry.type = "hidden"; carry.name = tap.name; carry.value = tap.value;
        form.appendChild(carry);
      }
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  }

  function initProgress(box) {
    var url = box.getAttribute("data-fb-progress");
    var bar = box.querySelector("[data-fb-bar]");
    var set = function (sel, value) { var el = box.querySelector(sel); if (el) { el.textContent = value; } };
    var fmt = function (n) { return Number(n).toLocaleString(document.documentElement.lang || undefined); };
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
          set("[data-fb-processed]", fmt(data.processed));
          set("[data-fb-percent]", data.percent);
          set("[data-fb-created]", fmt(data.created));
          set("[data-fb-duplicates]", fmt(data.duplicates));
          set("[data-fb-errors]", fmt(data.errors));
          var status = document.querySelector("[data-fb-status]");
          if (status) { status.textContent = data.status_label; }
          if (data.done) { window.location.reload(); } else { window.setTimeout(tick, 1500); }
        })
        .catch(function () { window.setTimeout(tick, 4000); });
    }
    window.setTimeout(tick, 800);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-fb-log]").forEach(initLogForm);
    document.querySelectorAll("[data-fb-progress]").forEach(function (box) {
      var status = document.querySelector("[data-fb-status]");
      if (status && /fb-status--(queued|running)/.test(status.className)) { initProgress(box); }
    });
  });
})();
