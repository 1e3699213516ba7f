// Small behaviours the pages work without: focus after a failed submit, dismissible messages,
// actions disabled until a row is chosen. No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  function focusMessage(root) {
    var target = root.querySelector("[data-focus-on-load]");
    if (target) {
      target.focus();
    }
  }

  function updateChoiceButtons(root) {
    root.querySelectorAll("[data-needs-choice]").forEach(function (button) {
      var form = button.form || button.closest("form");
      var name = button.getAttribute("data-needs-choice");
      var chosen = form && form.querySelector('input[name="' + name + '"]:checked');
      button.disabled = !chosen;
      button.setAttribute("aria-disabled", chosen ? "false" : "true");
    });
  }

  function showDismissButtons(root) {
    root.querySelectorAll("[data-dismiss]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function prepare(root) {
    showDismissButtons(root);
    updateChoiceButtons(document);
  }

  document.addEventListener("DOMContentLoaded", function () {
    prepare(document);
    focusMessage(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    prepare(event.target);
  });
  document.addEventListener("change", function () {
    updateChoiceButtons(document);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (button) {
      button.closest(".flash").remove();
    }
  });
})();
