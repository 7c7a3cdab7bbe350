// whosecures default theme: theme toggle, navigation, checklist progress (localStorage),
// matrix and checklist filters, search. Plain JS, no dependencies, works from file://.
(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";
  var KEY = "whosecures-checks";

  function store(key, value) { try { if (value === undefined) return localStorage.getItem(key); localStorage.setItem(key, value); } catch (e) { return null; } }

  // Theme toggle, remembered.
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) toggle.addEventListener("click", function () {
    var next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    store("whosecures-theme", next);
  });

  // Mobile navigation.
  var navToggle = document.querySelector(".nav-toggle");
  var sidebar = document.getElementById("sidebar");
  if (navToggle && sidebar) navToggle.addEventListener("click", function () {
    var open = sidebar.classList.toggle("open");
    navToggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // "/" focuses search.
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
      var box = document.getElementById("search-page-box") || document.getElementById("search-box");
      if (box) { e.preventDefault(); box.focus(); }
    }
  });

  // Checklists: progress per item id, kept across reloads and rebuilds.
  function loadChecks() { try { return JSON.parse(store(KEY) || "{}") || {}; } catch (e) { return {}; } }
  var checks = loadChecks();
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".check-box"));
  function refresh() {
    boxes.forEach(function (box) {
      var done = !!checks[box.dataset.id];
      box.checked = done;
      box.closest(".check-item").classList.toggle("done", done);
    });
    document.querySelectorAll("[data-progress-scope]").forEach(function (scope) {
      var items = scope.querySelectorAll(".check-box");
      var done = Array.prototype.filter.call(items, function (b) { return b.checked; }).length;
      var label = scope.querySelector("[data-progress]");
      if (label) label.textContent = done + " / " + items.length + " done";
    });
    var overall = document.querySelector("[data-progress-overall]");
    if (overall) {
      var done = boxes.filter(function (b) { return b.checked; }).length;
      overall.textContent = done + " of " + boxes.length + " items done (" + (boxes.length ? Math.round(100 * done / boxes.length) : 0) + "%)";
    }
  }
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      checks = loadChecks();
      if (box.checked) checks[box.dataset.id] = new Date().toISOString(); else delete checks[box.dataset.id];
      store(KEY, JSON.stringify(checks));
      refresh();
    });
  });
  window.addEventListener("storage", function (e) { if (e.key === KEY) { checks = loadChecks(); refresh(); } });
  refresh();

  function download(name, type, text) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: type }));
    a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
  }
  function itemsOf() {
    return Array.prototype.map.call(document.querySelectorAll(".check-item"), function (li) {
      return { id: li.dataset.id, title: li.querySelector(".check-title").textContent.trim(), severity: li.dataset.severity, controls: li.dataset.controls.trim(), done: !!checks[li.dataset.id] };
    });
  }
  document.querySelectorAll("[data-export]").forEach(function (button) {
    button.addEventListener("click", function () {
      var items = itemsOf();
      if (button.dataset.export === "csv") {
        var q = function (s) { return '"' + String(s).replace(/"/g, '""') + '"'; };
        download("checklist.csv", "text/csv", "id,title,severity,controls,done\n" + items.map(function (i) { return [i.id, i.title, i.severity, i.controls, i.done].map(q).join(","); }).join("\n") + "\n");
      } else {
        download("checklist.md", "text/markdown", items.map(function (i) { return "- [" + (i.done ? "x" : " ") + "] " + i.title + " (`" + i.id + "`)"; }).join("\n") + "\n");
      }
    });
  });
  var reset = document.querySelector("[data-reset]");
  if (reset) reset.addEventListener("click", function () {
    if (confirm("Clear every ticked item in this browser?")) { checks = {}; store(KEY, "{}"); refresh(); }
  });

  // Checklist filters.
  var selects = document.querySelectorAll("[data-filter-select], [data-filter-text]");
  function filterItems() {
    var sev = document.querySelector("[data-filter-select=severity]"), pil = document.querySelector("[data-filter-select=pillar]"), ctl = document.querySelector("[data-filter-text=controls]");
    document.querySelectorAll(".check-item").forEach(function (li) {
      var show = (!sev || !sev.value || li.dataset.severity === sev.value) &&
        (!pil || !pil.value || li.dataset.pillar === pil.value) &&
        (!ctl || !ctl.value || li.dataset.controls.toLowerCase().indexOf(ctl.value.toLowerCase()) >= 0);
      li.classList.toggle("hidden", !show);
    });
  }
  selects.forEach(function (el) { el.addEventListener("input", filterItems); });

  // Matrix filter by service model.
  document.querySelectorAll("[data-filter=model] input").forEach(function (radio) {
    radio.addEventListener("change", function () {
      document.querySelectorAll(".matrix tbody tr[data-model]").forEach(function (tr) {
        tr.classList.toggle("hidden", !!radio.value && tr.dataset.model !== radio.value);
      });
    });
  });

  // Search page.
  var box = document.getElementById("search-page-box");
  var list = document.querySelector(".search-results");
  if (box && list) {
    var form = box.closest("form");
    if (form) form.addEventListener("submit", function (e) { e.preventDefault(); });
    var status = document.querySelector(".search-status");
    var selected = -1;
    var run = function () {
      var index = window.WHOSECURES_SEARCH;
      if (!index) { status.textContent = "The search index could not be loaded."; return; }
      var terms = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      list.innerHTML = ""; selected = -1;
      if (!terms.length) { status.textContent = ""; return; }
      var hits = [];
      index.forEach(function (r) {
        var score = 0;
        var fields = [[r.t, 10], [r.a.join(" "), 8], [r.c.join(" "), 4], [r.h.join(" "), 3], [r.s, 2]];
        for (var i = 0; i < terms.length; i++) {
          var s = 0;
          fields.forEach(function (f) { if (f[0].toLowerCase().indexOf(terms[i]) >= 0) s += f[1]; });
          if (!s) return;
          score += s;
        }
        hits.push([score, r]);
      });
      hits.sort(function (a, b) { return b[0] - a[0]; });
      status.textContent = hits.length + " result" + (hits.length === 1 ? "" : "s");
      hits.slice(0, 50).forEach(function (h) {
        var li = document.createElement("li");
        var a = document.createElement("a"); a.href = root + h[1].u; a.textContent = h[1].t;
        var kind = document.createElement("span"); kind.className = "kind-tag"; kind.textContent = h[1].k;
        var p = document.createElement("p"); p.textContent = h[1].s;
        li.appendChild(a); li.appendChild(kind); li.appendChild(p); list.appendChild(li);
      });
    };
    box.addEventListener("input", run);
    box.addEventListener("keydown", function (e) {
      var items = list.querySelectorAll("li");
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        selected = Math.max(0, Math.min(items.length - 1, selected + (e.key === "ArrowDown" ? 1 : -1)));
        items.forEach(function (li, i) { li.setAttribute("aria-selected", i === selected ? "true" : "false"); });
      } else if (e.key === "Enter" && items.length) {
        location.href = items[Math.max(selected, 0)].querySelector("a").href;
      }
    });
    var q = new URLSearchParams(location.search).get("q");
    if (q) box.value = q;
    if (document.readyState === "complete") run(); else window.addEventListener("load", run);
  }
})();
