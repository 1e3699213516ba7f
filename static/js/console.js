// Small behaviours the pages work without: focus after a failed submit, dismissible messages,
// actions disabled until a row is chosen. No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // Focus goes where the user's attention must: the message after a failed submit, the moved
  // row's button after a move. Once only: a later swap does not pull the focus back.
  function focusMessage(root) {
    var target = root.querySelector("[data-focus-on-load]");
    if (target) {
      target.removeAttribute("data-focus-on-load");
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

  // A region that scrolls sideways (a wide table on a phone) must be reachable with the keyboard:
  // it takes focus and is named after its section's heading (WCAG 2.1.1; axe scrollable-region-focusable).
  function markScrollableRegions() {
    document.querySelectorAll(".container-body, .tabs").forEach(function (region) {
      var scrolls = region.scrollWidth > region.clientWidth + 1;
      if (scrolls && !region.hasAttribute("tabindex")) {
        var section = region.closest("section, form, .container");
        var heading = section && section.querySelector("h2, h3");
        region.setAttribute("tabindex", "0");
        region.setAttribute("data-scroll-region", "");
        if (region.tagName !== "NAV") {  // a nav is already a named landmark
          region.setAttribute("role", "region");
          region.setAttribute("aria-label", (heading ? heading.textContent.trim() : "Table") + " (scrolls sideways)");
        }
      } else if (!scrolls && region.hasAttribute("data-scroll-region")) {
        var added = region.tagName === "NAV" ? ["tabindex"] : ["tabindex", "role", "aria-label"];
        added.concat(["data-scroll-region"]).forEach(function (name) {
          region.removeAttribute(name);
        });
      }
    });
  }

  function prepare(root) {
    showDismissButtons(root);
    markScrollableRegions();
    updateChoiceButtons(document);
  }

  document.addEventListener("DOMContentLoaded", function () {
    prepare(document);
    focusMessage(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    prepare(event.target);
  });
  document.addEventListener("htmx:afterSettle", function () {
    focusMessage(document);
  });
  window.addEventListener("resize", markScrollableRegions);
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
