/* Dashboards: draw the plotly figures kept in JSON data islands (no inline script, so the strict
   CSP holds). Progressive enhancement: every figure is also written out as numbers in the page. */
(function () {
  "use strict";

  function drawPlots() {
    if (typeof window.Plotly === "undefined") { return; }
    document.querySelectorAll(".plot[data-plot]").forEach(function (el) {
      var island = document.getElementById(el.getAttribute("data-plot"));
      if (!island) { return; }
      var figure = JSON.parse(island.textContent);
      window.Plotly.newPlot(el, figure.data, figure.layout, { displayModeBar: false, responsive: true });
      el.classList.add("plot--drawn");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawPlots);
  } else {
    drawPlots();
  }
})();
