// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // Preselect the browser's time zone on sign-up when the field is still at its default.
  var tz = document.querySelector("#signup-form select[name=timezone]");
  if (tz && tz.value === "UTC") {
    try {
      var guess = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (guess && tz.querySelector('option[value="' + guess + '"]')) { tz.value = guess; }
    } catch (e) { /* keep UTC */ }
  }
});

// Filter forms refresh their list over htmx. The search box refreshes as you type (its own
// "input changed delay" trigger); a change of any other field fires "filter-change" on the
// form, which its hx-trigger listens for. (An htmx trigger filter such as
// change[target.id != 'id_q'] would need eval, which the Content-Security-Policy forbids.)
// <form data-filter-form="q"> names the search field.
document.addEventListener("change", function (event) {
  var field = event.target;
  var form = field && field.form;
  if (!form || !form.hasAttribute("data-filter-form")) { return; }
  if (field.name === form.getAttribute("data-filter-form")) { return; }
  form.dispatchEvent(new CustomEvent("filter-change"));
});
