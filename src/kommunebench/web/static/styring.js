/* Styring: the weekly trend chart of a Faktaside or a unit (data from the page's JSON element). */
(function () {
  "use strict";
  var el = document.getElementById("kb-kpi-trend-chart");
  var src = document.getElementById("kb-kpi-trend");
  if (!el || !src || !window.Plotly) { return; }
  var points = JSON.parse(src.textContent || "[]");
  var names = { forsoergelsestryk: "Forsørgelsestryk", samtaler_pr_borger: "Samtaler pr. borger",
                i_job_uddannelse: "I job eller uddannelse", aktiveringsgrad: "Aktiveringsgrad (pct.)" };
  var keys = [];
  points.forEach(function (p) { if (keys.indexOf(p.kpi) < 0) { keys.push(p.kpi); } });
  var traces = keys.map(function (k, i) {
    var pts = points.filter(function (p) { return p.kpi === k; });
    return { x: pts.map(function (p) { return p.week; }), y: pts.map(function (p) { return p.value; }),
             name: names[k] || k, mode: "lines+markers", type: "scatter", yaxis: i === 0 ? "y" : "y2" };
  });
  Plotly.newPlot(el, traces, {
    margin: { l: 50, r: 50, t: 10, b: 60 }, separators: ",.", xaxis: { type: "category" },
    yaxis: { title: { text: names[keys[0]] || "" } }, yaxis2: { overlaying: "y", side: "right" },
    legend: { orientation: "h", y: -0.3 }
  }, { displaylogo: false, responsive: true }).then(function () { el.setAttribute("data-rendered", "1"); });
}());
