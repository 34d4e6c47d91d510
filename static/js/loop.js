// Closing the loop: small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Case filters apply as soon as a choice changes (the Filter button stays for no-JS).
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function () { form.submit(); });
  });

  // Ask before a destructive root-cause action.
  document.querySelectorAll("button[name='action'][value='delete']").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm") || "Delete?")) { event.preventDefault(); }
    });
  });
})();
