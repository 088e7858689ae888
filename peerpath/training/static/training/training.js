// Training discussions: a refusal (4xx) from a training form carries a message for the
// person; the server retargets it to the page's notice area (HX-Retarget), and this lets
// htmx swap it instead of dropping it. Vanilla JavaScript.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    var xhr = detail.xhr;
    if (!xhr || xhr.status < 400 || xhr.status >= 500) { return; }
    var elt = detail.elt || (detail.requestConfig && detail.requestConfig.elt) || event.target;
    if (elt && elt.closest && elt.closest("[data-training]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();
