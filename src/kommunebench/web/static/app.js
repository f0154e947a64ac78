/* kommunebench dashboard: filters, the map, charts, log-in and the case-log form.
   No inline scripts (the pages' Content-Security-Policy forbids them); data come from
   <script type="application/json"> elements. The table sort is
   /assets/sortable.js (report/assets/sortable.js, also inlined by the static report). */
(function () {
  "use strict";

  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  // --- filter forms submit on change
  document.querySelectorAll("form.filters select").forEach(function (s) {
    s.addEventListener("change", function () {
      var form = s.form;
      if (s.getAttribute("data-action")) {  // a path parameter (the list's area)
        form.action = s.getAttribute("data-action").replace("{}", s.value);
        s.disabled = true;
        if (form.elements.klynge) { form.elements.klynge.disabled = true; }  // klynger differ per list
      }
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.value === "") { el.disabled = true; }  // no empty parameters
      });
      form.submit();
    });
  });

  // --- a table that scrolls sideways is a named region the keyboard can reach (WCAG 2.1.1)
  document.querySelectorAll(".tablewrap").forEach(function (w) {
    if (w.hasAttribute("tabindex")) { return; }
    var table = w.querySelector("table");
    var head = w.previousElementSibling;
    while (head && !/^H[1-6]$/.test(head.tagName)) { head = head.previousElementSibling; }
    var name = (table && table.caption && table.caption.textContent) || (head && head.textContent) || "Tabel";
    w.tabIndex = 0;
    w.setAttribute("role", "region");
    w.setAttribute("aria-label", name.trim() + " (tabel)");
  });

  // --- the funnel plot (lists page)
  var funnel = json("kb-funnel-data");
  if (funnel && window.Plotly) {
    Plotly.newPlot("kb-funnel", funnel.data, funnel.layout, { displaylogo: false, responsive: true });
  }

  // --- the map
  var fig = json("kb-map-figure");
  if (fig && window.Plotly) {
    var geo = fig.layout.geo || {};
    // plotly.js fetches a base-map topojson for geojson choropleths even when the base map is
    // hidden: register an empty one so that nothing is ever fetched from the network.
    window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
    window.PlotlyGeoAssets.topojson[(geo.scope || "world") + "_" + (geo.resolution || 110) + "m"] =
      { type: "Topology", objects: {}, arcs: [] };
    var mapEl = document.getElementById("kb-map");
    Plotly.newPlot(mapEl, fig.data, fig.layout, { displaylogo: false, responsive: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d"] }).then(function () {
      mapEl.setAttribute("data-rendered", "1");
    });
    mapEl.on("plotly_click", function (ev) {
      var pt = ev && ev.points && ev.points[0];
      if (pt && pt.location !== undefined && String(pt.location) !== "411") {
        window.location.href = "/kommuner/" + pt.location;
      }
    });
  }

  // --- a municipality's rank over the stored runs
  var hist = json("kb-history");
  var histEl = document.getElementById("kb-history-chart");
  if (hist && histEl && window.Plotly && hist.points.length) {
    var traces = hist.lists.map(function (l) {
      return { x: hist.points.map(function (p) { return p.period + " (" + p.run_id + ")"; }),
               y: hist.points.map(function (p) { return p.ranks[l.value]; }),
               name: l.label, mode: "lines+markers", type: "scatter",
               hovertemplate: "%{x}<br>" + l.label + ": nr. %{y}<extra></extra>" };
    });
    Plotly.newPlot(histEl, traces, {
      margin: { l: 50, r: 10, t: 10, b: 60 }, separators: ",.",
      yaxis: { title: { text: "Placering (1 = bedst)" }, autorange: "reversed", range: [98.5, 0.5], dtick: 10 },
      xaxis: { type: "category" }, legend: { orientation: "h", y: -0.25 },
      font: { family: "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif" }
    }, { displaylogo: false, responsive: true });
  }

  // --- log in / log out (the session cookie is HttpOnly; the server sets and clears it)
  function showMsg(el, ok, text) {
    if (!el) { return; }
    el.className = "msg " + (ok ? "ok" : "err");
    el.textContent = text;
    el.hidden = false;
  }
  function errorText(body, status) {
    return (body && body.error && body.error.message) ? body.error.message : ("HTTP " + status);
  }
  var login = document.getElementById("kb-login");
  if (login) {
    login.addEventListener("submit", function (e) {
      e.preventDefault();
      var token = login.elements.token.value.trim();
      fetch("/api/v1/session", { method: "POST", headers: { "Authorization": "Bearer " + token },
                                 credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (b) { return [r, b]; }); })
        .then(function (rb) {
          if (rb[0].ok) {
            try { sessionStorage.setItem("kb_token", token); } catch (err) { /* private mode */ }
            window.location.href = login.getAttribute("data-next") || "/";
          } else { showMsg(document.getElementById("kb-login-msg"), false, errorText(rb[1], rb[0].status)); }
        });
    });
  }
  var logout = document.getElementById("kb-logout");
  if (logout) {
    logout.addEventListener("click", function (e) {
      e.preventDefault();
      try { sessionStorage.removeItem("kb_token"); } catch (err) { /* ignore */ }
      fetch("/api/v1/session", { method: "DELETE", credentials: "same-origin" })
        .then(function () { window.location.reload(); });
    });
  }

  // --- record a joblog action (needs a token with the analyst role, sent as a Bearer header)
  var action = document.getElementById("kb-action");
  if (action) {
    var tokenField = action.elements.token;
    try { if (!tokenField.value) { tokenField.value = sessionStorage.getItem("kb_token") || ""; } } catch (err) { /* ignore */ }
    action.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = action.querySelector("button[type=submit]");
      if (action.getAttribute("data-busy") === "1") { return; }  // a second click while the first is sent
      action.setAttribute("data-busy", "1");
      button.disabled = true;
      button.textContent = "Gemmer …";
      var f = action.elements;
      var body = { kommunekode: parseInt(f.kommunekode.value, 10), action: f.action.value,
                   criterion: f.criterion.value || null, data_month: f.data_month.value,
                   note: f.note.value };
      var msg = document.getElementById("kb-action-msg");
      function release() {
        action.removeAttribute("data-busy");
        button.disabled = false;
        button.textContent = "Registrér";
      }
      fetch("/api/v1/joblog/sagslog", {
        method: "POST", credentials: "same-origin",
        headers: { "Authorization": "Bearer " + f.token.value.trim(), "Content-Type": "application/json",
                   "Idempotency-Key": f.form_key.value },
        body: JSON.stringify(body)
      }).then(function (r) { return r.json().then(function (b) { return [r, b]; }); })
        .then(function (rb) {
          if (rb[0].ok) {
            var entry = rb[1].entry;
            showMsg(msg, true, "Gemt i sagsloggen som nr. " + entry.id + ": " + entry.navn + ", " +
                    entry.action_label + ", datamåned " + entry.data_month + ".");
            var token = f.token.value.trim();
            try { sessionStorage.setItem("kb_token", token); } catch (err) { /* ignore */ }
            var url = new URL(window.location.href);
            url.searchParams.set("kommune", String(body.kommunekode));
            url.searchParams.set("registreret", String(entry.id));
            url.hash = "registreret";
            // log in for reading too (session cookie), so that the page shows the case log
            return fetch("/api/v1/session", { method: "POST", credentials: "same-origin",
                                               headers: { "Authorization": "Bearer " + token } })
              .then(function (r) { return r.text(); })  // read the answer before leaving the page
              .then(function () { window.location.href = url.toString(); });
          }
          release();
          showMsg(msg, false, errorText(rb[1], rb[0].status));
        }).catch(function (err) { release(); showMsg(msg, false, String(err)); });
    });
  }
})();
