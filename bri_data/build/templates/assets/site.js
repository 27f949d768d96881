/* bri-data site: progressive enhancement only; every page reads and links without it.
   Data reaches the page through textContent, never as markup. */
(function () {
  "use strict";

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  // Seed pages: emphasise every stretch of the citation named in the address (#cit-...).
  function markTarget() {
    each(document.querySelectorAll(".is-target"), function (el) { el.classList.remove("is-target"); });
    var id = location.hash.slice(1);
    if (!/^cit-[a-z0-9-]+$/.test(id)) { return; }
    each(document.querySelectorAll(".hl[data-cits]"), function (el) {
      if (el.getAttribute("data-cits").split(" ").indexOf(id) >= 0) { el.classList.add("is-target"); }
    });
  }

  // Table pages: a button in each column heading sorts the rows by that column.
  function sortKey(cell) {
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.toLowerCase();
  }
  function makeSortable(table) {
    var heads = table.tHead.rows[0].cells;
    each(heads, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        each(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = sortKey(a.cells[col]), y = sortKey(b.cells[col]);
          if (x === y) { return 0; }
          if (x === "") { return 1; }  // empty cells last in both directions
          if (y === "") { return -1; }
          return (x < y ? -1 : 1) * (asc ? 1 : -1);
        });
        each(rows, function (r) { body.appendChild(r); });
      });
    });
  }

  // Search page: every word must occur in a record's or a quote's text.
  var LIMIT = 100;
  function snippet(text, word) {
    var at = text.toLowerCase().indexOf(word);
    if (at < 0 || text.length <= 220) { return text.slice(0, 220); }
    var start = Math.max(0, at - 80);
    return (start > 0 ? "…" : "") + text.slice(start, start + 220) + (start + 220 < text.length ? "…" : "");
  }
  function setupSearch() {
    var form = document.getElementById("search-form");
    var index = window.BRI_SEARCH;
    if (!form || !index) { return; }
    var input = document.getElementById("q");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    function show(query) {
      list.textContent = "";
      var words = query.toLowerCase().split(/\s+/).filter(Boolean);
      if (!words.length) { status.textContent = "Type a name, words of a statement or of a quote."; return; }
      var hits = index.filter(function (e) {
        var hay = (e[2] + " " + e[3]).toLowerCase();
        return words.every(function (w) { return hay.indexOf(w) >= 0; });
      });
      status.textContent = hits.length + (hits.length === 1 ? " match" : " matches") +
        (hits.length > LIMIT ? "; the first " + LIMIT + " are shown" : "");
      each(hits.slice(0, LIMIT), function (e) {
        var li = document.createElement("li");
        var kind = document.createElement("span");
        var a = document.createElement("a");
        var p = document.createElement("p");
        kind.className = "kind";
        kind.textContent = e[1] + ": ";
        a.href = e[0];  // generated addresses only (records/..., seeds/...#cit-...), never data
        a.textContent = e[2];
        p.textContent = snippet(e[3], words[0]);
        li.appendChild(kind);
        li.appendChild(a);
        li.appendChild(p);
        list.appendChild(li);
      });
    }
    input.value = new URLSearchParams(location.search).get("q") || "";
    show(input.value);
    input.addEventListener("input", function () { show(input.value); });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); show(input.value); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    markTarget();
    each(document.querySelectorAll("table[data-sortable]"), makeSortable);
    setupSearch();
  });
  window.addEventListener("hashchange", markTarget);
}());
