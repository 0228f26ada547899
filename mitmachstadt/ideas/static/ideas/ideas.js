// Progressive enhancement of the idea pages; every page works without this file.
(function () {
  "use strict";
  // Our partials answer 400 (input to correct) and 429 (too many requests) with the form and
  // its messages; htmx would drop them, so swap them in like a success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 429) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // After a partial swap, move focus to its message so keyboard and screen-reader users
  // learn what happened and continue from there.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.querySelector) { return; }
    var message = target.querySelector(".form-errors, .inline-error");
    if (message && (target.id === "discussion" || target.id === "participation")) {
      message.setAttribute("tabindex", "-1");
      message.focus();
    }
  });
})();
