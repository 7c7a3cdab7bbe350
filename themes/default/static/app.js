// whosecures default theme: theme toggle, navigation, checklist progress (localStorage),
// matrix and checklist filters, search. Plain JS, no dependencies, works from file://.
// Each feature is one function below; init() at the end sets them all up. (The preview's live
// reload is not here: `whosecures serve` adds its own script to the pages it serves.)
(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";
  var CHECKS = "whosecures-checks";
  // Who ticked each item (item id → name), and the reviewer named on the checklists page now.
  var REVIEWERS = "whosecures-check-reviewers";
  var REVIEWER = "whosecures-reviewer";
  var PROGRESS_FORMAT = "whosecures-progress/1";
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

  // The sidebar's lists. A page holds only its sections' headings and index links; the notes
  // they list are in nav.js, once for the whole site (whosecuresNavData: each section's notes as
  // [url, title] in order, and the sizes below). A section of more than data.full notes shows
  // data.window notes on each side of the current page, or none when the page is elsewhere, and
  // a link to all of them. nav.js loads async: whichever of it and this script runs second fills
  // the sidebar.
  function fillNav() {
    var sidebar = document.getElementById("sidebar"), data = window.whosecuresNavData;
    if (!sidebar || !data || !data.sections || sidebar.hasAttribute("data-filled")) return;
    sidebar.setAttribute("data-filled", "");
    var page = sidebar.getAttribute("data-page");
    sidebar.querySelectorAll("details[data-kind]").forEach(function (details) {
      var section = data.sections[details.getAttribute("data-kind")], list = details.querySelector("ul");
      if (!section || !list) return;
      var notes = section.notes, at = -1;
      for (var i = 0; i < notes.length; i++) if (notes[i][0] === page) { at = i; break; }
      var shown = notes;
      if (notes.length > data.full) shown = at < 0 ? [] : notes.slice(Math.max(0, at - data.window), at + data.window + 1);
      var count = document.createElement("span");
      count.className = "count";
      count.textContent = notes.length;
      details.querySelector("summary").append(" ", count);
      var items = document.createDocumentFragment();
      shown.forEach(function (note) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = root + note[0];
        a.textContent = note[1];
        if (note[0] === page) a.setAttribute("aria-current", "page");
        li.appendChild(a);
        items.appendChild(li);
      });
      if (shown.length < notes.length) {
        var more = document.createElement("li"), all = document.createElement("a");
        more.className = "more";
        all.href = root + section.url;
        all.textContent = "All " + notes.length + " \u2192";
        more.appendChild(all);
        items.appendChild(more);
      }
      list.appendChild(items);
    });
    revealCurrent(sidebar);
  }

  // Mobile navigation (and the matrix's side panel): the ☰ button opens and closes the sidebar;
  // Escape closes it, back on the button. On load, and when it opens, the sidebar shows the
  // current page's link.
  function mobileNav() {
    var navToggle = document.querySelector(".nav-toggle");
    var sidebar = document.getElementById("sidebar");
    if (!sidebar) return;
    revealCurrent(sidebar);
    if (!navToggle) return;
    navToggle.addEventListener("click", function () {
      var open = sidebar.classList.toggle("open");
      navToggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) revealCurrent(sidebar);
    });
    // On the window, so an Escape that closed something nearer (a matrix cell's detail, the
    // search results) first, and said so with preventDefault, leaves the sidebar open.
    window.addEventListener("keydown", function (e) {
      if (e.key !== "Escape" || e.defaultPrevented || !sidebar.classList.contains("open")) return;
      sidebar.classList.remove("open");
      navToggle.setAttribute("aria-expanded", "false");
      if (navToggle.getClientRects().length) navToggle.focus();
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
  // Who ticked them: item id → reviewer, for the ticks made while a reviewer was named.
  function loadReviewers() { try { return JSON.parse(store(REVIEWERS) || "{}") || {}; } catch (e) { return {}; } }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // Checklist progress: ticks per item id, kept across reloads and rebuilds and followed across
  // tabs; "n / m done" per checklist and the overall count. Returns the ticks for the export and
  // reset buttons: done(id), and clear() to untick everything.
  function checklistProgress() {
    var checks = loadChecks(), reviewers = loadReviewers();
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
      // The index of split checklists shows no items: it counts the ticks this browser holds.
      var stored = document.querySelector("[data-progress-stored]");
      if (stored) stored.textContent = plural(Object.keys(checks).length, "item") + " ticked in this browser, across every part";
      var overall = document.querySelector("[data-progress-overall]");
      if (overall) {
        var done = boxes.filter(function (b) { return b.checked; }).length;
        overall.textContent = done + " of " + boxes.length + " items done (" + (boxes.length ? Math.round(100 * done / boxes.length) : 0) + "%)";
      }
    }
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        checks = loadChecks(); reviewers = loadReviewers();
        var id = box.dataset.id, reviewer = (store(REVIEWER) || "").trim();
        // A tick records the reviewer named when it was made; an untick forgets both.
        if (box.checked) checks[id] = new Date().toISOString(); else delete checks[id];
        if (box.checked && reviewer) reviewers[id] = reviewer; else delete reviewers[id];
        store(REVIEWERS, JSON.stringify(reviewers));
        store(CHECKS, JSON.stringify(checks));
        refresh();
      });
    });
    window.addEventListener("storage", function (e) { if (e.key === CHECKS || e.key === REVIEWERS) { checks = loadChecks(); reviewers = loadReviewers(); refresh(); } });
    refresh();
    return {
      done: function (id) { return !!checks[id]; },
      ids: function () { return Object.keys(checks).sort(); },
      ticked: function (id) { return checks[id] || ""; },
      reviewer: function (id) { return checks[id] && reviewers[id] || ""; },
      clear: function () { checks = {}; reviewers = {}; store(REVIEWERS, "{}"); store(CHECKS, "{}"); refresh(); },
      // Merges ticks read from a file ({id, ticked (ms since 1970, or null), reviewer}): a new
      // tick is taken, one already held here stays unless the file's is later. A tick without a
      // time takes the time of the import. Returns how many were taken, kept and dated now.
      merge: function (ticks) {
        checks = loadChecks(); reviewers = loadReviewers();
        var now = new Date().toISOString(), out = { taken: 0, kept: 0, undated: 0 };
        ticks.forEach(function (t) {
          var held = checks[t.id] ? Date.parse(checks[t.id]) : NaN;
          if (checks[t.id] && (t.ticked === null || !(t.ticked > held || isNaN(held)))) { out.kept++; return; }
          if (t.ticked === null) out.undated++;
          checks[t.id] = t.ticked === null ? now : new Date(t.ticked).toISOString();
          if (t.reviewer) reviewers[t.id] = t.reviewer; else delete reviewers[t.id];
          out.taken++;
        });
        store(REVIEWERS, JSON.stringify(reviewers));
        store(CHECKS, JSON.stringify(checks));
        refresh();
        return out;
      }
    };
  }

  // The reviewer's name on the checklists page, remembered; ticks made from now on record it.
  function checklistReviewer() {
    var input = document.querySelector("[data-reviewer]");
    if (!input) return;
    input.value = store(REVIEWER) || "";
    input.addEventListener("input", function () { store(REVIEWER, input.value.trim()); });
  }

  // A date-time as progress files write it (ISO 8601: `2026-12-01T09:30:00.000Z`, with an offset,
  // without seconds, or a plain date): milliseconds since 1970, or NaN. A time without an offset
  // is UTC, as `whosecures export --progress` reads it.
  function parseStamp(text) {
    var m = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/.exec(text);
    if (!m) return NaN;
    if (!m[2]) return Date.parse(m[1] + "T00:00:00Z");
    var zone = (m[4] || "Z").toUpperCase();
    if (zone.length === 5) zone = zone.slice(0, 3) + ":" + zone.slice(3);
    var ms = Date.parse(m[1] + "T" + m[2] + (m[3] || ":00").slice(0, 7) + zone);
    // Date.parse rolls 2026-02-30 over to March: refuse dates that do not read back.
    return !isNaN(ms) && new Date(Date.parse(m[1] + "T00:00:00Z")).toISOString().slice(0, 10) === m[1] ? ms : NaN;
  }

  // CSV as RFC 4180 writes it (quotes doubled inside quoted fields, CRLF or LF): rows of fields,
  // each row with the line it starts on (1-based).
  function parseCsv(text) {
    var rows = [], row = [], field = "", quoted = false, line = 1, start = 1;
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
        else if (c === '"') quoted = false;
        else { if (c === "\n") line++; field += c; }
      } else if (c === '"') quoted = true;
      else if (c === ",") { row.push(field); field = ""; }
      else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i++;
        row.push(field); row.line = start; rows.push(row);
        row = []; field = ""; line++; start = line;
      } else field += c;
    }
    if (quoted) throw new Error("line " + start + ": a quoted field is not closed");
    if (field !== "" || row.length) { row.push(field); row.line = start; rows.push(row); }
    return rows;
  }

  // A progress file, as this page exports it: JSON (`whosecures-progress/1`) or CSV with the
  // columns id and done (ticked, reviewer when present). Returns [{id, done, ticked, reviewer}]
  // or throws an Error saying where it is malformed.
  function parseProgress(text) {
    text = text.replace(/^\ufeff/, "");
    var items = [];
    function ticked(value, where) {
      value = String(value == null ? "" : value).trim();
      if (!value) return null;
      var ms = parseStamp(value);
      if (isNaN(ms)) throw new Error(where + ": ticked is \u201c" + value + "\u201d, not a date-time such as 2026-12-01T09:30:00Z");
      return ms;
    }
    if (/^\s*\{/.test(text)) {
      var doc;
      try { doc = JSON.parse(text); } catch (e) { throw new Error("not valid JSON (" + e.message + ")"); }
      if (doc.format !== PROGRESS_FORMAT) throw new Error("format is \u201c" + doc.format + "\u201d, not " + PROGRESS_FORMAT + ": not a progress export of this page");
      if (!Array.isArray(doc.items)) throw new Error("no items list");
      doc.items.forEach(function (it, n) {
        var where = "item " + (n + 1);
        if (!it || typeof it.id !== "string" || !it.id.trim()) throw new Error(where + ": no id");
        if (it.done !== undefined && typeof it.done !== "boolean") throw new Error(where + " (" + it.id + "): done is not true or false");
        var at = ticked(it.ticked, where + " (" + it.id + ")");
        items.push({ id: it.id, done: it.done === undefined ? at !== null : it.done, ticked: at, reviewer: typeof it.reviewer === "string" ? it.reviewer.trim() : "" });
      });
      return items;
    }
    var rows = parseCsv(text).filter(function (r) { return r.some(function (f) { return f.trim() !== ""; }); });
    var head = (rows.shift() || []).map(function (h) { return h.trim(); });
    var col = function (name) { return head.indexOf(name); };
    if (col("id") < 0 || col("done") < 0) throw new Error("not a progress file: JSON " + PROGRESS_FORMAT + ", or CSV with the columns id and done, expected");
    rows.forEach(function (r) {
      var where = "line " + r.line;
      if (r.length !== head.length) throw new Error(where + ": " + r.length + " fields where the header has " + head.length);
      var field = function (name) { return col(name) < 0 ? "" : r[col(name)].trim(); };
      if (!field("id")) throw new Error(where + ": no id");
      var done = field("done").toLowerCase();
      if (["true", "yes", "x", "1"].indexOf(done) >= 0) done = true;
      else if (["false", "no", "", "0"].indexOf(done) >= 0) done = false;
      else throw new Error(where + ": done is \u201c" + field("done") + "\u201d, not true or false");
      items.push({ id: field("id"), done: done, ticked: ticked(field("ticked"), where), reviewer: field("reviewer") });
    });
    return items;
  }

  // Import: reads a progress file (this page's JSON or CSV export) chosen in the file input and
  // merges its ticks by item id; says in the status what it did, naming ids this site does not
  // have. A malformed file changes nothing.
  function checklistImport(progress) {
    var input = document.querySelector("[data-import]"), status = document.querySelector("[data-import-status]");
    if (!input || !status) return;
    function say(text, error) { status.textContent = text; status.classList.toggle("import-error", !!error); }
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      var reader = new FileReader();
      reader.onerror = function () { say("Could not read " + file.name + ". Nothing was changed.", true); };
      reader.onload = function () {
        var items;
        try { items = parseProgress(String(reader.result)); } catch (e) {
          say("Could not import " + file.name + ": " + e.message + ". Nothing was changed.", true);
          input.value = "";
          return;
        }
        var known = {};
        document.querySelectorAll(".check-item").forEach(function (li) { known[li.dataset.id] = true; });
        // The index of split checklists lists no items: every id is taken (each part names its own).
        if (document.querySelector("[data-checklist-index]")) items.forEach(function (i) { known[i.id] = true; });
        var unknown = [], seen = {};
        items.forEach(function (i) { if (!known[i.id] && !seen[i.id]) { seen[i.id] = true; unknown.push(i.id); } });
        var ticks = items.filter(function (i) { return i.done && known[i.id]; });
        var out = progress.merge(ticks);
        var text = "Imported " + plural(out.taken, "tick");
        if (out.undated) text += " (" + out.undated + " without a tick time, dated now)";
        if (out.kept) text += "; " + out.kept + " already ticked here as late or later, kept";
        if (unknown.length) text += "; " + plural(unknown.length, "id") + " unknown to this site: " + unknown.join(", ");
        say(text + ".", false);
        input.value = "";
      };
      reader.readAsText(file);
    });
  }

  // Export buttons: every checklist item on the page, with its tick (when, by whom), as Markdown,
  // CSV (the first five columns as before, the new ones after) or JSON (`whosecures-progress/1`).
  function checklistExport(progress) {
    function download(name, type, text) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([text], { type: type }));
      a.download = name;
      document.body.appendChild(a); a.click(); a.remove();
    }
    function itemsOf() {
      // The index of split checklists exports every tick this browser holds, by id.
      if (document.querySelector("[data-checklist-index]")) return progress.ids().map(function (id) {
        return { id: id, title: "", severity: "", controls: "", team: "", done: true, ticked: progress.ticked(id), reviewer: progress.reviewer(id) };
      });
      return Array.prototype.map.call(document.querySelectorAll(".check-item"), function (li) {
        var id = li.dataset.id;
        return { id: id, title: li.querySelector(".check-title").textContent.trim(), severity: li.dataset.severity, controls: li.dataset.controls.trim(), team: li.dataset.team || "", done: progress.done(id), ticked: progress.ticked(id), reviewer: progress.reviewer(id) };
      });
    }
    document.querySelectorAll("[data-export]").forEach(function (button) {
      button.addEventListener("click", function () {
        var items = itemsOf();
        if (button.dataset.export === "csv") {
          var q = function (s) { return '"' + String(s).replace(/"/g, '""') + '"'; };
          download("checklist.csv", "text/csv", "id,title,severity,controls,done,team,ticked,reviewer\n" + items.map(function (i) { return [i.id, i.title, i.severity, i.controls, i.done, i.team, i.ticked, i.reviewer].map(q).join(","); }).join("\n") + "\n");
        } else if (button.dataset.export === "json") {
          var doc = { format: PROGRESS_FORMAT, exported: new Date().toISOString(), reviewer: store(REVIEWER) || "", items: items };
          download("checklist-progress.json", "application/json", JSON.stringify(doc, null, 2) + "\n");
        } else {
          download("checklist.md", "text/markdown", items.map(function (i) {
            var by = i.done && (i.ticked || i.reviewer) ? " \u2014 ticked" + (i.ticked ? " " + i.ticked : "") + (i.reviewer ? " by " + i.reviewer : "") : "";
            return "- [" + (i.done ? "x" : " ") + "] " + i.title + " (`" + i.id + "`)" + by;
          }).join("\n") + "\n");
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

  // The attestation page: each item's state, tick date and reviewer from this browser's ticks,
  // per-team counts, and a team filter (the print shows the teams shown, one per page).
  function attestation() {
    var page = document.querySelector("[data-attestation]");
    if (!page) return;
    var teams = Array.prototype.slice.call(page.querySelectorAll("[data-attest-team]"));
    var filter = page.querySelector("[data-attest-filter]"), status = page.querySelector("[data-attest-status]");
    function refresh() {
      var checks = loadChecks(), reviewers = loadReviewers(), done = 0, total = 0;
      teams.forEach(function (team) {
        var rows = team.querySelectorAll("[data-attest-item]"), n = 0;
        rows.forEach(function (row) {
          var at = checks[row.dataset.id], cell = row.querySelector("[data-ticked]");
          row.classList.toggle("done", !!at);
          row.querySelector("[data-state]").textContent = at ? "Done" : "Open";
          cell.textContent = "";
          if (at) {
            var time = document.createElement("time");
            time.dateTime = at;
            time.textContent = at.slice(0, 16).replace("T", " ") + (/Z$/.test(at) ? " UTC" : "");
            cell.appendChild(time);
            n++;
          }
          row.querySelector("[data-reviewer]").textContent = at && reviewers[row.dataset.id] || "";
        });
        team.querySelector("[data-attest-count]").textContent = n + " of " + rows.length + " done";
        if (!team.hidden) { done += n; total += rows.length; }
      });
      var asOf = page.querySelector("[data-attest-as-of]");
      if (asOf) asOf.textContent = "As of " + new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC" + (store(REVIEWER) ? "; reviewer named in this browser: " + store(REVIEWER) : "") + ".";
      if (status) status.textContent = done + " of " + total + " items done in " + plural(teams.filter(function (t) { return !t.hidden; }).length, "group") + ".";
    }
    function show() {
      var first = true;
      teams.forEach(function (team) {
        team.hidden = !!filter && filter.value !== "" && filter.value !== team.dataset.attestTeam;
        team.classList.toggle("first-shown", !team.hidden && first);
        if (!team.hidden) first = false;
      });
      refresh();
    }
    if (filter) filter.addEventListener("change", show);
    window.addEventListener("storage", function (e) { if (e.key === CHECKS || e.key === REVIEWERS || e.key === REVIEWER) refresh(); });
    show();
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
      var badge = el("span", "owner owner-" + owner, td.querySelector(".cell-label").textContent);
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
  // characters, result records and snippet texts in chunks, checklist items by id. Each file is a
  // script calling back into this page, so it loads from file:// too; load(name) loads one once,
  // and only the ones a query needs are ever loaded. The manifest also says how the notes' text
  // was cut into terms: terms(text) cuts a query the same way (once the manifest is loaded).
  function searchIndex() {
    var idx = { manifest: null, shards: {}, docs: {}, texts: {}, ids: {}, pending: {} };
    window.WHOSECURES_SEARCH_MANIFEST = function (m) { idx.manifest = m; };
    window.WHOSECURES_SEARCH_SHARD = function (key, terms) { idx.shards[key] = terms; };
    window.WHOSECURES_SEARCH_DOCS = function (n, docs) { idx.docs[n] = docs; };
    window.WHOSECURES_SEARCH_TEXT = function (n, texts) { idx.texts[n] = texts; };
    window.WHOSECURES_SEARCH_IDS = function (key, items) { idx.ids[key] = items; };
    idx.load = function (name) {
      if (!idx.pending[name]) {
        idx.pending[name] = new Promise(function (resolve, reject) {
          var s = document.createElement("script");
          s.src = root + "search/" + name + ".js";
          s.onload = resolve;
          s.onerror = function () { delete idx.pending[name]; reject(new Error(name)); };
          document.head.appendChild(s);
        });
      }
      return idx.pending[name];
    };
    idx.trim = function (t) {
      var trim = idx.manifest.terms.trim;
      while (t && trim.indexOf(t[0]) >= 0) t = t.slice(1);
      while (t && trim.indexOf(t[t.length - 1]) >= 0) t = t.slice(0, -1);
      return t;
    };
    idx.terms = function (text) {
      var rules = idx.manifest.terms;
      var split = new RegExp(rules.split, "u");
      var seen = {};
      return text.toLowerCase().split(split).map(idx.trim)
        .filter(function (t) {
          var keep = Array.from(t).length >= rules.min && rules.stop.indexOf(t) < 0 && !seen[t];
          seen[t] = true;
          return keep;
        });
    };
    // The shard a term lives in: its first two characters, anything but a-z and 0-9 as "_".
    idx.shardKey = function (term) {
      return Array.from(term).slice(0, 2).map(function (c) { return /^[a-z0-9]$/.test(c) ? c : "_"; }).join("");
    };
    return idx;
  }

  // Runs a query: at most `limit` notes, best first, each with its record and snippet texts;
  // and, when the query is one word that is a checklist item's id or a control id (`S3.1`,
  // `fsbp:S3.1`), those items, or, when it has the `.`, `:` or `-` of an id being typed
  // (`s3.`, `s3-account-block`), the items whose id starts with it (a plain word such as `kms`
  // lists notes first). Resolves to { items, hits, total, terms, exact, id } or { message } when
  // the query is too short.
  function runQuery(idx, query, limit) {
    return idx.load("manifest").then(function () {
      var m = idx.manifest;
      var terms = idx.terms(query);
      var word = query.trim().toLowerCase();
      var id = /^\S{2,}$/.test(word) ? word : "";
      var idKey = id && idx.shardKey(id);
      var loads = [];
      if (id && (m.ids || []).indexOf(idKey) >= 0) loads.push(idx.load("i-" + idKey));
      if (!terms.length && !id) {
        var min = m.terms.min;
        return { message: "Type at least " + (["", "one letter", "two letters", "three letters"][min] || min + " letters") + "." };
      }
      terms.map(idx.shardKey).forEach(function (k) { if (m.shards.indexOf(k) >= 0) loads.push(idx.load("t-" + k)); });
      return Promise.all(loads).then(function () {
        var items = id ? findItems(idx, id, idKey, /[.:-]/.test(id)) : { list: [], exact: false };
        var ranked = terms.length ? rank(idx, terms) : [];
        var top = ranked.slice(0, limit);
        var need = {};
        top.forEach(function (h) {
          need["d-" + Math.floor(h[1] / m.chunk)] = true;
          if (m.text) need["x-" + Math.floor(h[1] / m.text)] = true;
        });
        return Promise.all(Object.keys(need).map(idx.load)).then(function () {
          var hits = top.map(function (h) {
            var r = idx.docs[Math.floor(h[1] / m.chunk)][h[1] % m.chunk];
            var texts = m.text ? idx.texts[Math.floor(h[1] / m.text)][h[1] % m.text] : [];
            return { title: r[0], url: r[1], kind: r[2], summary: r[3], texts: texts };
          });
          return { items: items.list, exact: items.exact, hits: hits, total: ranked.length, terms: terms, id: id };
        });
      });
    });
  }

  // Every query term must match (as a prefix) some term of the note; scores add up, and an
  // exact match counts double. Returns [score, note] pairs, best first.
  function rank(idx, terms) {
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
  }

  // The checklist items whose id or control id is `id` (first) or, with `prefix`, starts with
  // it, at most eight, each once: { list: [[title, url, note title, item id, controls]], exact }.
  function findItems(idx, id, key, prefix) {
    var shard = idx.ids[key] || {};
    var exact = shard[id] || [];
    var starts = Object.keys(shard).filter(function (k) { return prefix && k !== id && k.lastIndexOf(id, 0) === 0; })
      .sort(function (a, b) { return a.localeCompare(b, undefined, { numeric: true }); });
    var seen = {}, list = [];
    exact.concat.apply(exact, starts.map(function (k) { return shard[k]; })).forEach(function (item) {
      if (!seen[item[3]] && list.length < 8) { seen[item[3]] = true; list.push(item); }
    });
    return { list: list, exact: exact.length > 0 };
  }

  // Appends `text` to `parent`, each word a query term starts (or a part of it between dots
  // starts: `s3` in `S3.1`) in a <mark>. Text only, never HTML: a note's text cannot inject
  // markup here.
  function highlight(idx, parent, text, terms) {
    var word = new RegExp(idx.manifest.terms.word, "gu");
    var starts = function (w) {
      return terms.some(function (t) {
        return w.lastIndexOf(t, 0) === 0 || w.split(".").some(function (p) { return p.lastIndexOf(t, 0) === 0; });
      });
    };
    var at = 0, m;
    while (terms.length && (m = word.exec(text)) !== null) {
      var w = idx.trim(m[0]);
      if (!w || !starts(w.toLowerCase())) continue;
      var from = m.index + m[0].indexOf(w);
      if (from > at) parent.appendChild(document.createTextNode(text.slice(at, from)));
      var mark = document.createElement("mark");
      mark.textContent = w;
      parent.appendChild(mark);
      at = from + w.length;
    }
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
  }

  // Appends to `parent` the snippet of a result: the passage (its summary, body blocks, checklist
  // titles) where the most query terms show, cut to about 170 characters around the first one,
  // the matched words marked.
  function snippet(idx, parent, passages, terms) {
    var word = new RegExp(idx.manifest.terms.word, "gu");
    var best = { score: 0, text: passages[0] || "", at: 0 };
    passages.forEach(function (text) {
      var found = {}, first = -1, m;
      word.lastIndex = 0;
      while ((m = word.exec(text)) !== null) {
        var w = idx.trim(m[0]).toLowerCase();
        terms.forEach(function (t) {
          if (w && (w.lastIndexOf(t, 0) === 0 || w.split(".").some(function (p) { return p.lastIndexOf(t, 0) === 0; }))) {
            found[t] = true;
            if (first < 0) first = m.index;
          }
        });
      }
      var score = Object.keys(found).length;
      if (score > best.score) best = { score: score, text: text, at: first };
    });
    var text = best.text, start = 0, end = text.length;
    if (text.length > 170) {
      start = Math.max(0, best.at - 50);
      if (start > 0) { var space = text.indexOf(" ", start); start = space >= 0 && space < best.at ? space + 1 : start; }
      end = Math.min(text.length, start + 170);
      if (end < text.length) { var last = text.lastIndexOf(" ", end); if (last > best.at) end = last; }
    }
    highlight(idx, parent, (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : ""), terms);
  }

  // Appends to `parent` the text `text` with each case-insensitive occurrence of `id` marked (the
  // id typed, in an item's ids and controls).
  function markId(parent, text, id) {
    var lower = text.toLowerCase(), at = 0, from;
    while (id && (from = lower.indexOf(id, at)) >= 0) {
      if (from > at) parent.appendChild(document.createTextNode(text.slice(at, from)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(from, from + id.length);
      parent.appendChild(mark);
      at = from + id.length;
    }
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
  }

  // The parts of one result as elements: its title (matched words marked), its kind, its
  // snippet; and its address. For a checklist item the snippet is its note, id and controls.
  function resultParts(idx, result, kindOf) {
    var title = document.createElement("span"), kind = document.createElement("span"), text = document.createElement("span");
    title.className = "result-title"; kind.className = "kind-tag"; text.className = "result-snippet";
    if (result.item) {
      var item = result.item;
      markId(title, item[0], result.id);
      kind.textContent = "checklist item";
      markId(text, item[2] + " · " + item[3] + (item[4].length ? " · " + item[4].join(", ") : ""), result.id);
      return { title: title, kind: kind, text: text, url: root + item[1] };
    }
    var hit = result.hit;
    highlight(idx, title, hit.title, result.terms);
    kind.textContent = kindOf(hit.kind);
    snippet(idx, text, [hit.summary].concat(hit.texts || []), result.terms);
    return { title: title, kind: kind, text: text, url: root + hit.url };
  }

  // A query's results in one list: the checklist items an id names, then the notes.
  function resultsOf(r) {
    return r.items.map(function (item) { return { item: item, id: r.id }; })
      .concat(r.hits.map(function (hit) { return { hit: hit, terms: r.terms }; }));
  }

  // What a failed index load says.
  function loadFailed() {
    return location.protocol === "file:"
      ? "The search index could not be loaded from this folder: check that the search/ directory was copied with the pages."
      : "The search index could not be loaded.";
  }

  // Calls `f` once no call has come for `ms` milliseconds.
  function debounce(f, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(f, ms); };
  }

  // Search page: results as the reader types (every query term must start some term of the
  // note), each with a snippet, the words found marked; a checklist item or control id lists its
  // items first. The arrow keys pick a result and Enter opens it; ?q= from the top bar's form is
  // run on load.
  function searchPage(idx) {
    var box = document.getElementById("search-page-box");
    var list = document.querySelector(".search-results");
    if (!box || !list) return;
    var form = box.closest("form");
    if (form) form.addEventListener("submit", function (e) { e.preventDefault(); });
    var status = document.querySelector(".search-status");
    var selected = -1;
    var generation = 0;
    var show = function (message) { status.textContent = message; };
    var run = function () {
      var mine = ++generation;
      if (!box.value.trim()) { list.textContent = ""; selected = -1; show(""); return; }
      runQuery(idx, box.value, 50).then(function (r) {
        if (mine !== generation) return;
        list.textContent = ""; selected = -1;
        if (r.message) { show(r.message); return; }
        var all = resultsOf(r);
        var count = r.items.length + r.total;
        show(count + " result" + (count === 1 ? "" : "s") + (r.total > r.hits.length ? " (best " + r.hits.length + " notes shown)" : ""));
        all.forEach(function (result) {
          var parts = resultParts(idx, result, function (k) { return k; });
          var li = document.createElement("li");
          var a = document.createElement("a"); a.href = parts.url; a.appendChild(parts.title);
          var p = document.createElement("p"); p.appendChild(parts.text);
          li.appendChild(a); li.appendChild(parts.kind); li.appendChild(p); list.appendChild(li);
        });
      }).catch(function () { if (mine === generation) show(loadFailed()); });
    };
    box.addEventListener("input", debounce(run, 120));
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

  // The top bar's search as a combobox: results show under the box as the reader types (after a
  // 120 ms pause), each with its snippet, the words found marked; an id of a checklist item or
  // control lists those items first, an exact one picked, so Enter goes to it. ArrowDown and
  // ArrowUp move through the results (announced through aria-activedescendant), Enter opens
  // the one picked (with none picked, the search page with every result), Escape closes the
  // list. A screen reader hears the number of results.
  function searchSuggest(idx) {
    var box = document.getElementById("search-box");
    if (!box || !box.form) return;
    var form = box.form;
    var el = function (tag, className) { var e = document.createElement(tag); if (className) e.className = className; return e; };
    var popup = el("div", "search-popup");
    popup.hidden = true;
    var list = el("ul", "search-options");
    list.id = "search-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Search results");
    var empty = el("p", "search-empty");
    var more = el("a", "search-more");
    var status = el("p", "visually-hidden");
    status.setAttribute("role", "status");
    popup.appendChild(list); popup.appendChild(empty); popup.appendChild(more);
    form.appendChild(popup); form.appendChild(status);
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", list.id);
    var options = [], active = -1, generation = 0;
    var kinds = { "service": "Service", "layer": "Layer", "pillar": "Pillar", "model": "Model", "practice": "Practice", "security service": "Security service", "glossary term": "Glossary" };

    function close() {
      popup.hidden = true;
      box.setAttribute("aria-expanded", "false");
      pick(-1);
    }
    function pick(n) {
      active = n;
      options.forEach(function (li, i) { li.setAttribute("aria-selected", i === n ? "true" : "false"); });
      if (n >= 0) { box.setAttribute("aria-activedescendant", options[n].id); options[n].scrollIntoView({ block: "nearest" }); }
      else box.removeAttribute("aria-activedescendant");
    }
    function go(li) { close(); location.href = li.dataset.href; }
    function show(r, q) {
      list.textContent = ""; options = [];
      empty.hidden = true;
      if (r.message) { empty.textContent = r.message; empty.hidden = false; }
      resultsOf(r).forEach(function (result, i) {
        var parts = resultParts(idx, result, function (k) { return kinds[k] || k; });
        var li = el("li", "search-option");
        li.id = "search-option-" + i;
        li.setAttribute("role", "option");
        li.dataset.href = parts.url;
        var head = el("span", "result-head");
        head.appendChild(parts.title); head.appendChild(parts.kind);
        li.appendChild(head); li.appendChild(parts.text);
        list.appendChild(li); options.push(li);
      });
      var count = r.message ? 0 : r.items.length + r.total;
      if (!r.message && !options.length) { empty.textContent = "No results for “" + q.trim() + "”."; empty.hidden = false; }
      more.href = root + "search.html?q=" + encodeURIComponent(q);
      more.textContent = count > options.length ? "All " + count + " results →" : "Open the search page →";
      popup.hidden = false;
      box.setAttribute("aria-expanded", "true");
      pick(r.exact && options.length ? 0 : -1);
      status.textContent = r.message || (count ? count + " result" + (count === 1 ? "" : "s") + (r.exact ? ", the item with that id first" : "") : "No results");
    }
    function update() {
      var q = box.value, mine = ++generation;
      if (!q.trim()) { close(); status.textContent = ""; return; }
      runQuery(idx, q, 8).then(function (r) {
        if (mine === generation && document.activeElement === box) show(r, q);
      }).catch(function () {
        if (mine !== generation) return;
        show({ message: loadFailed(), items: [], hits: [], total: 0 }, q);
      });
    }
    box.addEventListener("input", debounce(update, 120));
    box.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (popup.hidden) { update(); return; }
        if (!options.length) return;
        var next = active + (e.key === "ArrowDown" ? 1 : -1);
        pick(Math.max(0, Math.min(options.length - 1, next)));
      } else if (e.key === "Enter" && !popup.hidden && active >= 0) {
        e.preventDefault();
        go(options[active]);
      } else if (e.key === "Escape" && !popup.hidden) {
        // Not the browser's own Escape in a search box, which empties it.
        e.preventDefault();
        close();
      }
    });
    // A pointer picks without taking the focus from the box.
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });
    list.addEventListener("click", function (e) {
      var li = e.target.closest("li[role=option]");
      if (li) go(li);
    });
    form.addEventListener("focusout", function (e) {
      if (!e.relatedTarget || !form.contains(e.relatedTarget)) close();
    });
    box.addEventListener("focus", function () { if (box.value.trim() && options.length) { popup.hidden = false; box.setAttribute("aria-expanded", "true"); } });
  }

  // A "Copy" button on every code block and checklist verify command: the Clipboard API where
  // the page may use it, else the code is selected and copied the old way, else left selected
  // for Ctrl+C. The button says "Copied" for two seconds and a live region announces it. The
  // button sits over the block's corner, so adding it moves nothing on the page.
  function copyButtons() {
    var blocks = document.querySelectorAll("main pre");
    if (!blocks.length) return;
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    document.body.appendChild(live);
    function announce(button, state, text) {
      button.textContent = state === "copied" ? "Copied" : state === "selected" ? "Selected" : "Copy";
      button.dataset.state = state;
      live.textContent = "";
      // Set after a pause, so the same words are announced again on the next copy.
      setTimeout(function () { live.textContent = text; }, 50);
      clearTimeout(button.resetTimer);
      button.resetTimer = setTimeout(function () { button.textContent = "Copy"; button.dataset.state = ""; }, 2000);
    }
    function fallback(code, button) {
      var range = document.createRange();
      range.selectNodeContents(code);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      if (copied) {
        selection.removeAllRanges();
        announce(button, "copied", "Copied");
      } else {
        announce(button, "selected", "The code is selected: press Ctrl+C (⌘C on a Mac) to copy it");
      }
    }
    blocks.forEach(function (pre) {
      var code = pre.querySelector("code") || pre;
      var wrap = document.createElement("div");
      wrap.className = "code-wrap";
      pre.parentNode.insertBefore(wrap, pre);
      wrap.appendChild(pre);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      wrap.appendChild(button);
      button.addEventListener("click", function () {
        var text = code.textContent;
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(function () { announce(button, "copied", "Copied"); }, function () { fallback(code, button); });
        } else {
          fallback(code, button);
        }
      });
    });
  }

  function init() {
    themeToggle();
    focusableCode();
    copyButtons();
    window.whosecuresNav = fillNav;
    fillNav();
    mobileNav();
    printButtons();
    slashFocusesSearch();
    var progress = checklistProgress();
    checklistReviewer();
    checklistExport(progress);
    checklistImport(progress);
    checklistReset(progress);
    attestation();
    checklistFilters();
    matrixOwnerFilter();
    matrixModelFilter();
    matrixCellDetail();
    var idx = searchIndex();
    searchSuggest(idx);
    searchPage(idx);
  }

  init();
})();
