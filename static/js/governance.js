/* Governance: the RACI grid cycles a cell with one click (·, R, A, C, I). Without JavaScript
   every cell is a plain <select>, and the form posts exactly the same fields. */
(function () {
  "use strict";

  function enhance(grid) {
    grid.querySelectorAll("select").forEach(function (select) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "gov-raci-btn";
      var initial = select.value;
      function paint() {
        var value = select.value;
        button.textContent = value || "·";
        button.className = "gov-raci-btn" + (value ? " gov-raci--" + value : "") +
          (value !== initial ? " gov-raci-btn--changed" : "");
        button.setAttribute("aria-label", select.getAttribute("aria-label") + ": " +
          (select.options[select.selectedIndex].text || "·"));
      }
      button.addEventListener("click", function () {
        select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
        paint();
      });
      paint();
      select.classList.add("gov-raci-select--hidden");
      select.setAttribute("tabindex", "-1");
      select.parentNode.insertBefore(button, select);
    });
    grid.classList.add("gov-raci-form--enhanced");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-raci-grid]").forEach(enhance);
  });
})();
