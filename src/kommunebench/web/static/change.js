// The municipality page's waterfall of the change since the previous run (no inline scripts: CSP).
(function () {
  "use strict";
  var data = document.getElementById("kb-change-figure");
  var el = document.getElementById("kb-change-chart");
  if (!data || !el || !window.Plotly) { return; }
  var fig = JSON.parse(data.textContent);
  Plotly.newPlot(el, fig.data, fig.layout, { displaylogo: false, responsive: true }).then(function () {
    el.setAttribute("data-rendered", "1");
  });
})();
