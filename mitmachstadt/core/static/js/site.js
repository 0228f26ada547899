// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Carry the CSRF token on htmx requests (the cookie is HttpOnly, so take it from the form).
  document.addEventListener("htmx:configRequest", function (event) {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { event.detail.headers["X-CSRFToken"] = input.value; }
  });
})();
