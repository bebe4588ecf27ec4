// Sortable columns and a live search for the tables that ask for them.
//
// Progressive enhancement: without this script every table still reads in the server's
// order and each search box is an ordinary GET form. With it:
//   <table data-sortable>  each column header becomes a button that sorts the rows
//                          (a cell's data-sort value, else its text; numbers as numbers);
//                          a header with data-nosort stays as it is.
//   <input data-filter-table="ID">  hides, as one types, the rows of table#ID whose text
//                          does not hold the words typed; a [data-filter-count] element
//                          next to the table says how many rows are shown.
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) {
      return "";
    }
    var value = cell.getAttribute("data-sort");
    return (value !== null ? value : cell.textContent).trim();
  }

  function compare(a, b) {
    var x = Number(a);
    var y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) {
      return x - y;
    }
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function sortBy(table, header, index) {
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th[aria-sort]").forEach(function (th) {
      th.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var rows = Array.prototype.slice.call(body.rows).filter(function (row) {
        return !row.hasAttribute("data-nosort");
      });
      rows.sort(function (r1, r2) {
        var order = compare(cellValue(r1, index), cellValue(r2, index));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) {
        body.appendChild(row);
      });
    });
  }

  function makeSortable(table) {
    var headRow = table.tHead && table.tHead.rows[0];
    if (!headRow) {
      return;
    }
    Array.prototype.forEach.call(headRow.cells, function (header, index) {
      if (header.hasAttribute("data-nosort") || header.colSpan > 1) {
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (header.firstChild) {
        button.appendChild(header.firstChild);
      }
      header.appendChild(button);
      button.addEventListener("click", function () {
        sortBy(table, header, index);
      });
    });
  }

  function makeFilter(input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table) {
      return;
    }
    var counter = document.querySelector(
      '[data-filter-count="' + input.getAttribute("data-filter-table") + '"]'
    );
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      var total = 0;
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          if (row.hasAttribute("data-nosort")) {
            return;
          }
          total += 1;
          var text = row.textContent.toLowerCase();
          var match = words.every(function (word) {
            return text.indexOf(word) !== -1;
          });
          row.hidden = !match;
          if (match) {
            shown += 1;
          }
        });
      });
      if (counter) {
        counter.textContent = words.length ? shown + " of " + total + " rows shown" : "";
      }
    });
  }

  // A table wider than its box scrolls sideways: keyboard users reach the hidden columns by
  // focusing the box itself when nothing inside it can take the focus.
  function makeScrollable(box) {
    if (box.scrollWidth <= box.clientWidth && box.scrollHeight <= box.clientHeight) {
      return;
    }
    if (box.hasAttribute("tabindex") || box.querySelector("a[href], button, input, select")) {
      return;
    }
    var caption = box.querySelector("caption");
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table, scrolls sideways");
  }

  function start() {
    document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
    document.querySelectorAll("input[data-filter-table]").forEach(makeFilter);
    document.querySelectorAll(".table-responsive, .table-scroll").forEach(makeScrollable);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
