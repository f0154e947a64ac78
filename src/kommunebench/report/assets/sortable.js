/* kommunebench: sortable tables (the static report inlines this file, the dashboard serves it).
   Click a header (or press Enter on it): numbers sort by their data-sort attribute, text in Danish
   order; empty (suppressed) cells, data-sort="", always sort last. */
(function () {
  "use strict";
  function sortable(table) {
    var heads = table.querySelectorAll("thead th");
    Array.prototype.forEach.call(heads, function (th, col) {
      th.setAttribute("tabindex", "0");
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          var nx = x.getAttribute("data-sort"), ny = y.getAttribute("data-sort");
          var c;
          if (nx !== null && ny !== null) {
            if (nx === "" || ny === "") { return (nx === "") - (ny === ""); }
            c = parseFloat(nx) - parseFloat(ny);
          } else {
            c = x.textContent.trim().localeCompare(y.textContent.trim(), "da");
          }
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  }
  function init() { document.querySelectorAll("table.sortable").forEach(sortable); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
