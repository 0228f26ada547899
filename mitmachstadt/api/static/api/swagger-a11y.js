/* Names and keyboard access that Swagger UI's markup lacks (WCAG 4.1.2, 2.1.1), added as the
   interface renders: the icon-only buttons get a name, a parameter's choice list is named after
   the parameter, and scrolling code blocks (examples, responses) can be reached by keyboard.
   Swagger UI's texts are English, so are these (the page says lang="en"). */
(function () {
  "use strict";
  const root = document.getElementById("swagger-ui");
  if (!root) return;

  function name(element, label) {
    if (!element.getAttribute("aria-label") && !element.textContent.trim()) {
      element.setAttribute("aria-label", label);
    }
  }

  function fix() {
    root.querySelectorAll(".copy-to-clipboard button").forEach((b) => name(b, "Copy to clipboard"));
    root.querySelectorAll("button.close-modal").forEach((b) => name(b, "Close"));
    root.querySelectorAll("tr[data-param-name] select").forEach((select) => {
      if (!select.getAttribute("aria-label") && !select.labels.length) {
        select.setAttribute("aria-label", select.closest("tr").dataset.paramName);
      }
    });
    root.querySelectorAll("pre.microlight:not([tabindex])").forEach((pre) => {
      pre.setAttribute("tabindex", "0");
    });
  }

  new MutationObserver(fix).observe(root, { childList: true, subtree: true });
  fix();
})();
