"""The small inline script of the reports: progressive enhancement only.

Kept as a constant here (not a template) because the Content-Security-Policy
allows exactly this text by its SHA-256 hash; every report works without it.
It sorts tables marked ``data-sortable``, filters tables that have a
``data-filter`` input, and opens every ``<details>`` before printing so the
printed evidence is complete. It never touches the network.
"""

ENHANCE_JS = r"""(function () {
  "use strict";
  var doc = document;
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var key = cell.getAttribute("data-sort");
    return key !== null ? key : cell.textContent.trim();
  }
  function compare(a, b) {
    var x = parseFloat(a), y = parseFloat(b);
    if (!isNaN(x) && !isNaN(y) && String(x) === a && String(y) === b) { return x - y; }
    return a.localeCompare(b, doc.documentElement.lang);
  }
  function sortBy(table, index, button) {
    var body = table.tBodies[0];
    var header = button.parentNode;
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var order = compare(cellValue(r1, index), cellValue(r2, index));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(doc.querySelectorAll("table[data-sortable]"), function (table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (header.firstChild) { button.appendChild(header.firstChild); }
      header.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, index, button); });
    });
  });
  Array.prototype.forEach.call(doc.querySelectorAll("[data-filter]"), function (box) {
    var table = doc.getElementById(box.getAttribute("data-filter"));
    var input = box.querySelector("input");
    if (!table || !input) { return; }
    box.hidden = false;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  });
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(doc.querySelectorAll("details"), function (d) { d.open = true; });
  });
}());
"""
