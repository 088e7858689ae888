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

// Help lines for a writer whose message raised a safeguarding alert (the socket ack's
// "crisis": {"message", "resources": [{name, contact, detail, url}]}), drawn the same way in
// every chat: peerpath.showHelp(panel, messageEl, listEl, crisis).
window.peerpath = window.peerpath || {};
window.peerpath.safeUrl = function (url) {
  try {
    var parsed = new URL(url, location.href);
    return ["https:", "http:", "tel:"].indexOf(parsed.protocol) >= 0 ? parsed.href : "";
  } catch (e) {
    return "";
  }
};
window.peerpath.showHelp = function (panel, messageEl, listEl, crisis) {
  messageEl.textContent = String(crisis.message || "Your message was sent. It sounds like things may be really hard right now, and you don't have to carry this alone.");
  listEl.replaceChildren();
  (Array.isArray(crisis.resources) ? crisis.resources : []).forEach(function (r) {
    var li = document.createElement("li");
    var name = document.createElement("strong");
    name.textContent = String(r.name || "");
    li.appendChild(name);
    if (r.contact) { li.append(": ", String(r.contact)); }
    if (r.detail) {
      var detail = document.createElement("span");
      detail.className = "resource-detail";
      detail.textContent = String(r.detail);
      li.append(" — ", detail);
    }
    var href = r.url ? window.peerpath.safeUrl(String(r.url)) : "";
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      link.textContent = "Visit " + (r.name || "their website");
      li.append(" ", link);
    }
    listEl.appendChild(li);
  });
  panel.hidden = false;
};
