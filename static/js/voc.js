// Voice of the customer: draw trend charts from their JSON data islands, and narrow a metric's
// calculation methods to those its kind allows. Pages work without this file.
(function () {
  "use strict";

  function drawCharts() {
    if (typeof window.Plotly === "undefined") { return; }
    document.querySelectorAll("[data-plotly]").forEach(function (target) {
      var island = document.getElementById(target.getAttribute("data-plotly"));
      if (!island) { return; }
      var figure = JSON.parse(island.textContent);
      window.Plotly.newPlot(target, figure.data, figure.layout, { displayModeBar: false, responsive: true });
    });
  }

  function narrowMethods() {
    var kind = document.querySelector("select[data-kind-select]");
    var method = document.querySelector("select[data-kind-methods]");
    if (!kind || !method) { return; }
    var allowed = JSON.parse(method.getAttribute("data-kind-methods"));
    function apply() {
      var methods = allowed[kind.value] || [];
      Array.prototype.forEach.call(method.options, function (option) {
        option.hidden = option.disabled = methods.indexOf(option.value) === -1;
      });
      if (methods.length && methods.indexOf(method.value) === -1) { method.value = methods[0]; }
    }
    kind.addEventListener("change", apply);
    apply();
  }

  // Every deferred script, plotly.min.js included, has run when DOMContentLoaded fires.
  document.addEventListener("DOMContentLoaded", function () { drawCharts(); narrowMethods(); });
})();
