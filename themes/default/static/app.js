// whosecures default theme: theme toggle, navigation, checklist progress (localStorage),
// matrix and checklist filters, search. Plain JS, no dependencies, works from file://.
// Each feature is one function below; init() at the end sets them all up. (The preview's live
// reload is not here: `whosecures serve` adds its own script to the pages it serves.)
(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";
  var CHECKS = "whosecures-checks";
  var THEME = "whosecures-theme";

  // localStorage[key], or sets it to value; null when the browser refuses storage.
  function store(key, value) { try { if (value === undefined) return localStorage.getItem(key); localStorage.setItem(key, value); } catch (e) { return null; } }

  // Theme toggle, remembered (base.html applies the remembered theme before the page shows).
  function themeToggle() {
    var toggle = document.querySelector(".theme-toggle");
    if (toggle) toggle.addEventListener("click", function () {
      var next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      store(THEME, next);
    });
  }

  // Code blocks scroll sideways: let the keyboard reach and scroll them too.
  function focusableCode() {
    document.querySelectorAll("pre").forEach(function (pre) { if (!pre.hasAttribute("tabindex")) pre.tabIndex = 0; });
  }

  // Scrolls the sidebar (only the sidebar: never the page, so the text does not move) until the
  // current page's link is in view, about a third of the way down.
  function revealCurrent(sidebar) {
    var link = sidebar.querySelector('a[aria-current="page"]');
    if (!link || sidebar.clientHeight === 0) return;
    var box = sidebar.getBoundingClientRect(), at = link.getBoundingClientRect();
    if (at.top >= box.top && at.bottom <= box.bottom) return;
    sidebar.scrollTop += at.top - box.top - sidebar.clientHeight / 3;
  }

  // Mobile navigation: the ☰ button opens and closes the sidebar. On load, and when it opens,
  // the sidebar shows the current page's link.
  function mobileNav() {
    var navToggle = document.querySelector(".nav-toggle");
    var sidebar = document.getElementById("sidebar");
    if (!sidebar) return;
    revealCurrent(sidebar);
    if (navToggle) navToggle.addEventListener("click", function () {
      var open = sidebar.classList.toggle("open");
      navToggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) revealCurrent(sidebar);
    });
  }

  // The print page's "Print this page" button.
  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
  }

  // "/" focuses search: the search page's box, else the top bar's.
  function slashFocusesSearch() {
    document.addEventListener("keydown", function (e) {
      if (e.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
        var box = document.getElementById("search-page-box") || document.getElementById("search-box");
        if (box) { e.preventDefault(); box.focus(); }
      }
    });
  }

  // The ticks kept in this browser: item id → when it was ticked.
  function loadChecks() { try { return JSON.parse(store(CHECKS) || "{}") || {}; } catch (e) { return {}; } }

  // Checklist progress: ticks per item id, kept across reloads and rebuilds and followed across
  // tabs; "n / m done" per checklist and the overall count. Returns the ticks for the export and
  // reset buttons: done(id), and clear() to untick everything.
  function checklistProgress() {
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
        store(CHECKS, JSON.stringify(checks));
        refresh();
      });
    });
    window.addEventListener("storage", function (e) { if (e.key === CHECKS) { checks = loadChecks(); refresh(); } });
    refresh();
    return {
      done: function (id) { return !!checks[id]; },
      clear: function () { checks = {}; store(CHECKS, "{}"); refresh(); }
    };
  }

  // Export buttons: every checklist item on the page, with its tick, as Markdown or CSV.
  function checklistExport(progress) {
    function download(name, type, text) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([text], { type: type }));
      a.download = name;
      document.body.appendChild(a); a.click(); a.remove();
    }
    function itemsOf() {
      return Array.prototype.map.call(document.querySelectorAll(".check-item"), function (li) {
        return { id: li.dataset.id, title: li.querySelector(".check-title").textContent.trim(), severity: li.dataset.severity, controls: li.dataset.controls.trim(), done: progress.done(li.dataset.id) };
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
  }

  // Reset button: unticks every item, once confirmed.
  function checklistReset(progress) {
    var reset = document.querySelector("[data-reset]");
    if (reset) reset.addEventListener("click", function () {
      if (confirm("Clear every ticked item in this browser?")) progress.clear();
    });
  }

  // Checklist filters: severity, pillar, layer and control id narrow the items shown; a group
  // with no item left is hidden, and the status says how many items are shown ("12 of 120").
  function checklistFilters() {
    var status = document.querySelector("[data-filter-status]");
    var controls = document.querySelectorAll("[data-filter-select], [data-filter-text]");
    if (!controls.length) return;
    function filterItems() {
      var sev = document.querySelector("[data-filter-select=severity]"), pil = document.querySelector("[data-filter-select=pillar]"), lay = document.querySelector("[data-filter-select=layer]"), ctl = document.querySelector("[data-filter-text=controls]");
      var shown = 0, total = 0;
      document.querySelectorAll(".check-item").forEach(function (li) {
        var show = (!sev || !sev.value || li.dataset.severity === sev.value) &&
          (!pil || !pil.value || li.dataset.pillar === pil.value) &&
          (!lay || !lay.value || li.dataset.layer === lay.value) &&
          (!ctl || !ctl.value || li.dataset.controls.toLowerCase().indexOf(ctl.value.trim().toLowerCase()) >= 0);
        li.classList.toggle("hidden", !show);
        total++;
        if (show) shown++;
      });
      document.querySelectorAll("section.checklist").forEach(function (group) {
        group.hidden = !group.querySelector(".check-item:not(.hidden)");
      });
      if (status) status.textContent = shown + " of " + total + " item" + (total === 1 ? "" : "s") + " shown";
    }
    controls.forEach(function (el) { el.addEventListener("input", filterItems); el.addEventListener("change", filterItems); });
    // The browser may have kept the filters' values across a reload: apply them at once.
    filterItems();
  }

  // Matrix: dim every cell but the chosen owner's (told by text and icon too, not colour alone).
  function matrixOwnerFilter() {
    document.querySelectorAll("[data-filter=owner] input").forEach(function (radio) {
      radio.addEventListener("change", function () {
        document.querySelectorAll(".matrix td.cell").forEach(function (td) {
          td.classList.toggle("dim", !!radio.value && !td.classList.contains("cell-" + radio.value));
        });
      });
    });
  }

  // Matrix: show only the rows of the chosen service model.
  function matrixModelFilter() {
    document.querySelectorAll("[data-filter=model] input").forEach(function (radio) {
      radio.addEventListener("change", function () {
        document.querySelectorAll(".matrix tbody tr[data-model]").forEach(function (tr) {
          tr.classList.toggle("hidden", !!radio.value && tr.dataset.model !== radio.value);
        });
      });
    });
  }

  // Matrix: a cell's detail for keyboard, touch and pointer alike. A click, tap or Enter on a cell
  // opens it under the cell: the layer, the service, the owner, the row's note and a link to the
  // full row (without script the cell itself is that link). The detail follows the cell in the
  // page, so Tab reaches its link; Escape closes it and returns to the cell, as do choosing the
  // cell again, clicking elsewhere and moving focus out of the cell.
  function matrixCellDetail() {
    var table = document.querySelector("table.matrix");
    if (!table) return;
    var detail = document.createElement("div");
    detail.className = "cell-detail";
    detail.id = "cell-detail";
    detail.tabIndex = -1;
    detail.hidden = true;
    detail.setAttribute("role", "group");
    detail.setAttribute("aria-labelledby", "cell-detail-title");
    var current = null;
    table.querySelectorAll("a.cell-link").forEach(function (link) {
      link.setAttribute("aria-expanded", "false");
      link.setAttribute("aria-controls", "cell-detail");
    });
    function el(tag, className, text) {
      var e = document.createElement(tag);
      if (className) e.className = className;
      if (text) e.textContent = text;
      return e;
    }
    function close(refocus) {
      if (!current) return;
      var link = current;
      current = null;
      link.setAttribute("aria-expanded", "false");
      detail.hidden = true;
      if (refocus) link.focus();
    }
    // Under the cell (above it when there is no room below), kept inside the window.
    function place() {
      if (!current) return;
      var r = current.getBoundingClientRect(), w = detail.offsetWidth, h = detail.offsetHeight;
      var left = Math.max(8, Math.min(r.left, window.innerWidth - w - 8));
      var top = r.bottom + 4;
      if (top + h > window.innerHeight - 8 && r.top - h - 4 > 0) top = r.top - h - 4;
      detail.style.left = left + "px";
      detail.style.top = top + "px";
    }
    function open(link) {
      var td = link.closest("td"), tr = td.parentElement;
      var head = table.tHead.rows[0].cells[td.cellIndex];
      var owner = (/\bcell-([\w-]+)/.exec(td.className) || [])[1] || "";
      detail.textContent = "";
      var title = el("p", "cell-detail-title");
      title.id = "cell-detail-title";
      title.appendChild(el("span", "", head.textContent.trim()));
      title.appendChild(el("span", "group", tr.cells[0].querySelector("a").textContent.trim()));
      detail.appendChild(title);
      var who = el("p");
      var badge = el("span", "owner owner-" + owner);
      var icon = el("span", "owner-icon", td.querySelector(".owner-icon").textContent);
      icon.setAttribute("aria-hidden", "true");
      badge.appendChild(icon);
      badge.appendChild(document.createTextNode(" " + td.querySelector(".cell-label").textContent));
      who.appendChild(badge);
      detail.appendChild(who);
      if (link.dataset.note) detail.appendChild(el("p", "cell-detail-note", link.dataset.note));
      if (td.querySelector(".depends")) detail.appendChild(el("p", "depends-note", "◇ Depends on how you configure the service: the full row says how."));
      var more = el("a", "", "Who does what: the full row →");
      more.href = link.href;
      detail.appendChild(more);
      td.appendChild(detail);
      detail.hidden = false;
      current = link;
      link.setAttribute("aria-expanded", "true");
      place();
    }
    table.addEventListener("click", function (e) {
      var link = e.target.closest("a.cell-link");
      if (!link || e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      var again = link === current;
      close(false);
      if (!again) open(link);
    });
    document.addEventListener("click", function (e) {
      if (current && !current.parentElement.contains(e.target)) close(false);
    });
    document.addEventListener("keydown", function (e) {
      if (current && e.key === "Escape") { e.preventDefault(); close(true); }
    });
    table.addEventListener("focusout", function (e) {
      if (current && e.relatedTarget && !current.parentElement.contains(e.relatedTarget)) close(false);
    });
    window.addEventListener("resize", place);
    window.addEventListener("scroll", place, true);
  }

  // The search index (see src/site/search.rs): a manifest, term shards by their first two
  // characters, result records in chunks. Each file is a script calling back into this page, so
  // it loads from file:// too; load(name) loads one once, and only the ones a query needs are
  // ever loaded. The manifest also says how the notes' text was cut into terms: terms(text) cuts
  // a query the same way (once the manifest is loaded).
  function searchIndex() {
    var idx = { manifest: null, shards: {}, docs: {}, pending: {} };
    window.WHOSECURES_SEARCH_MANIFEST = function (m) { idx.manifest = m; };
    window.WHOSECURES_SEARCH_SHARD = function (key, terms) { idx.shards[key] = terms; };
    window.WHOSECURES_SEARCH_DOCS = function (n, docs) { idx.docs[n] = docs; };
    idx.load = function (name) {
      if (!idx.pending[name]) {
        idx.pending[name] = new Promise(function (resolve, reject) {
          var s = document.createElement("script");
          s.src = root + "search/" + name + ".js";
          s.onload = resolve;
          s.onerror = function () { reject(new Error(name)); };
          document.head.appendChild(s);
        });
      }
      return idx.pending[name];
    };
    idx.terms = function (text) {
      var rules = idx.manifest.terms;
      var split = new RegExp(rules.split, "u");
      var trim = function (t) {
        while (t && rules.trim.indexOf(t[0]) >= 0) t = t.slice(1);
        while (t && rules.trim.indexOf(t[t.length - 1]) >= 0) t = t.slice(0, -1);
        return t;
      };
      return text.toLowerCase().split(split).map(trim)
        .filter(function (t) { return Array.from(t).length >= rules.min && rules.stop.indexOf(t) < 0; });
    };
    // The shard a term lives in: its first two characters, anything but a-z and 0-9 as "_".
    idx.shardKey = function (term) {
      return Array.from(term).slice(0, 2).map(function (c) { return /^[a-z0-9]$/.test(c) ? c : "_"; }).join("");
    };
    return idx;
  }

  // Search page: results as the reader types (every query term must start some term of the
  // note), the arrow keys pick one and Enter opens it; ?q= from the top bar's form is run on load.
  function searchPage() {
    var box = document.getElementById("search-page-box");
    var list = document.querySelector(".search-results");
    if (!box || !list) return;
    var form = box.closest("form");
    if (form) form.addEventListener("submit", function (e) { e.preventDefault(); });
    var status = document.querySelector(".search-status");
    var idx = searchIndex();
    var selected = -1;
    var generation = 0;
    var show = function (message) { status.textContent = message; };
    var run = function () {
      var mine = ++generation;
      list.innerHTML = ""; selected = -1;
      if (!box.value.trim()) { show(""); return; }
      idx.load("manifest").then(function () {
        if (mine !== generation) return;
        var terms = idx.terms(box.value);
        if (!terms.length) {
          var min = idx.manifest.terms.min;
          show("Type at least " + (["", "one letter", "two letters", "three letters"][min] || min + " letters") + ".");
          return;
        }
        var keys = terms.map(idx.shardKey).filter(function (k) { return idx.manifest.shards.indexOf(k) >= 0; });
        return Promise.all(keys.map(function (k) { return idx.load("t-" + k); })).then(function () {
          if (mine !== generation) return;
          return results(mine, rank(terms));
        });
      }).catch(function () {
        show(location.protocol === "file:"
          ? "The search index could not be loaded from this folder: check that the search/ directory was copied with the pages."
          : "The search index could not be loaded.");
      });
    };
    // Every query term must match (as a prefix) some term of the note; scores add up, and an
    // exact match counts double. Returns [score, note] pairs, best first.
    var rank = function (terms) {
      var total = null;
      terms.forEach(function (q) {
        var shard = idx.shards[idx.shardKey(q)] || {};
        var found = {};
        Object.keys(shard).forEach(function (term) {
          if (term.lastIndexOf(q, 0) !== 0) return;
          var postings = shard[term], bonus = term === q ? 2 : 1;
          for (var i = 0; i < postings.length; i += 2) {
            found[postings[i]] = Math.max(found[postings[i]] || 0, postings[i + 1] * bonus);
          }
        });
        if (total === null) total = found;
        else Object.keys(total).forEach(function (d) { if (found[d]) total[d] += found[d]; else delete total[d]; });
      });
      var hits = Object.keys(total || {}).map(function (d) { return [total[d], +d]; });
      hits.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
      return hits;
    };
    // Lists the best 50 hits once their records' chunks are loaded.
    var results = function (mine, hits) {
      var chunk = idx.manifest.chunk;
      var top = hits.slice(0, 50);
      var chunks = {};
      top.forEach(function (h) { chunks[Math.floor(h[1] / chunk)] = true; });
      return Promise.all(Object.keys(chunks).map(function (n) { return idx.load("d-" + n); })).then(function () {
        if (mine !== generation) return;
        show(hits.length + " result" + (hits.length === 1 ? "" : "s") + (hits.length > top.length ? " (best " + top.length + " shown)" : ""));
        top.forEach(function (h) {
          var r = idx.docs[Math.floor(h[1] / chunk)][h[1] % chunk];
          var li = document.createElement("li");
          var a = document.createElement("a"); a.href = root + r[1]; a.textContent = r[0];
          var kind = document.createElement("span"); kind.className = "kind-tag"; kind.textContent = r[2];
          var p = document.createElement("p"); p.textContent = r[3];
          li.appendChild(a); li.appendChild(kind); li.appendChild(p); list.appendChild(li);
        });
      });
    };
    box.addEventListener("input", run);
    box.addEventListener("keydown", function (e) {
      var items = list.querySelectorAll("li");
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        selected = Math.max(0, Math.min(items.length - 1, selected + (e.key === "ArrowDown" ? 1 : -1)));
        // aria-current, not aria-selected (only valid on options, and these hold links).
        items.forEach(function (li, i) {
          if (i !== selected) { li.removeAttribute("aria-current"); return; }
          li.setAttribute("aria-current", "true"); li.scrollIntoView({ block: "nearest" });
        });
      } else if (e.key === "Enter" && items.length) {
        location.href = items[Math.max(selected, 0)].querySelector("a").href;
      }
    });
    var q = new URLSearchParams(location.search).get("q");
    if (q) box.value = q;
    if (document.readyState === "complete") run(); else window.addEventListener("load", run);
  }

  function init() {
    themeToggle();
    focusableCode();
    mobileNav();
    printButtons();
    slashFocusesSearch();
    var progress = checklistProgress();
    checklistExport(progress);
    checklistReset(progress);
    checklistFilters();
    matrixOwnerFilter();
    matrixModelFilter();
    matrixCellDetail();
    searchPage();
  }

  init();
})();
