// The safeguarding queue refreshes its open list every 15 s over htmx (hx-trigger "every
// 15s" on #safety-queue). A refresh would throw away an outcome or a note being typed, so it
// is skipped while someone works in one of the list's forms (a focused or changed field).
(function () {
  "use strict";
  function busy(queue) {
    var active = document.activeElement;
    if (active && queue.contains(active) && /^(SELECT|TEXTAREA|INPUT)$/.test(active.tagName)) {
      return true;
    }
    return queue.querySelector("form[data-dirty]") !== null;
  }
  document.addEventListener("input", function (event) {
    var form = event.target && event.target.form;
    if (form && form.closest("#safety-queue")) { form.setAttribute("data-dirty", "1"); }
  });
  document.addEventListener("change", function (event) {
    var form = event.target && event.target.form;
    if (form && form.closest("#safety-queue")) { form.setAttribute("data-dirty", "1"); }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.id === "safety-queue" && busy(elt)) { event.preventDefault(); }
  });
})();
