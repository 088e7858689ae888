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
