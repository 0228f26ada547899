// Progressive enhancement for the moderation pages; everything works without it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Queue: a "select all" checkbox above the table.
    var table = document.querySelector(".queue-table");
    if (table) {
      var boxes = table.querySelectorAll("input.bulk-select");
      var wrapper = document.createElement("p");
      var all = document.createElement("input");
      all.type = "checkbox";
      all.id = "bulk-select-all";
      var label = document.createElement("label");
      label.htmlFor = all.id;
      label.className = "inline-label";
      label.textContent = " " + (document.documentElement.lang === "de" ? "Alle auswählen" : "Select all");
      wrapper.appendChild(all);
      wrapper.appendChild(label);
      table.parentNode.insertBefore(wrapper, table);
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
      });
    }
    // Official answer: choosing a template fills the text at once (the button does it without JS).
    var data = document.getElementById("answer-templates");
    var select = document.getElementById("id_answer-template");
    var text = document.getElementById("id_answer-text");
    if (data && select && text) {
      var templates = JSON.parse(data.textContent);
      select.addEventListener("change", function () {
        var value = templates[select.value];
        var untouched = !text.value.trim() || Object.keys(templates).some(function (key) {
          return templates[key] === text.value;
        });
        // Never overwrite what the moderator has written by hand.
        if (value && untouched) { text.value = value; }
      });
    }
  });
})();
