// The filter form swaps only the table; a refused filter (400) still shows its message.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr && event.detail.xhr.status === 400 && event.detail.target &&
      event.detail.target.id === "pairs") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// "Select every pair on this page": the header box ticks every row (the form also posts the
// box itself, so without this script the page's pairs are still the selection); a row
// unticked by hand unticks it again. Delegated: htmx replaces the table on every filter.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") return;
  var table = box.closest("#pairs");
  if (!table) return;
  var all = table.querySelector("[data-select-all]");
  var rows = table.querySelectorAll('input[type=checkbox][name="pair"]');
  if (!all) return;
  if (box === all) {
    rows.forEach(function (row) { row.checked = all.checked; });
    all.indeterminate = false;
    return;
  }
  var ticked = Array.prototype.filter.call(rows, function (row) { return row.checked; }).length;
  all.checked = ticked === rows.length && rows.length > 0;
  all.indeterminate = ticked > 0 && ticked < rows.length;
});
