/*
 * Accessible names and roles for parts of Dash's own components that lack them:
 * the table's pagination buttons, the date picker's clear link and wrapper, and the
 * dropdown's keyboard stop (the dropdown's button takes the Tab stop itself, so nothing
 * focusable is hidden from screen readers). Applied whenever Dash renders them.
 */
(function () {
  "use strict";
  var PAGE_BUTTONS = {
    "first-page": "First page",
    "previous-page": "Previous page",
    "next-page": "Next page",
    "last-page": "Last page",
  };

  function set(element, name, value) {
    // only on a change: an unchanged write would wake the observer again
    if (element.getAttribute(name) !== value) element.setAttribute(name, value);
  }

  function fix(root) {
    Object.keys(PAGE_BUTTONS).forEach(function (cls) {
      root.querySelectorAll("button." + cls + ":not([aria-label])").forEach(function (b) {
        b.setAttribute("aria-label", PAGE_BUTTONS[cls]);
      });
    });
    root.querySelectorAll("a.dash-datepicker-clear:not([role])").forEach(function (a) {
      a.setAttribute("role", "button");
      if (!a.hasAttribute("tabindex")) a.setAttribute("tabindex", "0");
    });
    root.querySelectorAll(".dash-datepicker-input-wrapper[aria-expanded]").forEach(function (w) {
      if (!w.hasAttribute("role")) {
        w.removeAttribute("aria-expanded");
        w.removeAttribute("aria-haspopup");
      }
    });
    root.querySelectorAll("input.dash-dropdown-focus-target[aria-hidden='true']").forEach(function (input) {
      var trigger = input.parentElement && input.parentElement.querySelector("button.dash-dropdown");
      if (trigger && !trigger.disabled) {
        set(input, "tabindex", "-1");
        set(trigger, "tabindex", "0");
      }
    });
  }

  function start() {
    fix(document);
    new MutationObserver(function () {
      fix(document);
    }).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["aria-expanded"],
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
