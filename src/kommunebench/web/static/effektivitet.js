// The DEA page: draw the scatter of benchmark rank against DEA score (no inline scripts: CSP).
(function () {
  "use strict";
  var el = document.getElementById("kb-dea-figure");
  if (!el || !window.Plotly) { return; }
  var fig = JSON.parse(el.textContent);
  Plotly.newPlot(document.getElementById("kb-dea"), fig.data, fig.layout,
    { displaylogo: false, responsive: true });
})();
