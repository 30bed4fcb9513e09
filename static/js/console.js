// Small behaviours for the console; everything still works without them.
(function () {
  "use strict";

  function showToasts(root) {
    if (!window.bootstrap) return;
    root.querySelectorAll("[data-console-toast]:not(.showing):not(.show)").forEach(function (el) {
      window.bootstrap.Toast.getOrCreateInstance(el, { delay: 6000 }).show();
    });
  }

  // A form or button with data-confirm asks before it goes on.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  document.addEventListener("DOMContentLoaded", function () { showToasts(document); });
  document.addEventListener("htmx:afterSettle", function () { showToasts(document); });

  // A vendor fault or a lost connection during an htmx request becomes a toast, not silence.
  document.addEventListener("htmx:responseError", function (event) {
    addToast(event.detail.xhr.status >= 500
      ? document.body.dataset.errorServer || "The console could not finish this request."
      : document.body.dataset.errorClient || "The request was refused.");
  });
  document.addEventListener("htmx:sendError", function () {
    addToast(document.body.dataset.errorNetwork || "The console cannot be reached. Check your connection.");
  });

  function addToast(text) {
    var container = document.getElementById("toasts");
    if (!container) return;
    var toast = document.createElement("div");
    toast.className = "toast align-items-center border-0 text-bg-danger";
    toast.setAttribute("role", "alert");
    toast.setAttribute("data-console-toast", "");
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = text;
    toast.appendChild(body);
    container.appendChild(toast);
    showToasts(container);
  }

  // Live pages poll while visible. A poll is skipped while the tab is hidden or while
  // members are being selected (a refresh would clear the selection); a kick's answer
  // ("live-changed") always refreshes, and so does coming back to the tab.
  document.addEventListener("htmx:confirm", function (event) {
    var el = event.detail.elt;
    if (!el.hasAttribute || !el.hasAttribute("data-live-poll")) return;
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "live-changed") return;
    if (document.hidden || el.querySelector("input[name=user]:checked")) event.preventDefault();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) return;
    document.querySelectorAll("[data-live-poll]").forEach(function (el) { window.htmx.trigger(el, "live-changed"); });
  });

  // A filter bar leaves its empty filters out of the request, so the address it pushes
  // holds only the filters in use (?q=x, not ?q=x&action=&outcome=).
  document.addEventListener("htmx:configRequest", function (event) {
    var el = event.detail.elt;
    if (event.detail.verb !== "get" || !el.hasAttribute || !el.hasAttribute("data-filter-bar")) return;
    var data = event.detail.formData;
    var empty = [];
    data.forEach(function (value, name) {
      if (empty.indexOf(name) < 0 && data.getAll(name).every(function (v) { return v === ""; })) empty.push(name);
    });
    empty.forEach(function (name) { data.delete(name); });
  });

  // A "Copy" button copies the text of the field it names (data-copy="#id") and says so.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    var done = function () {
      button.textContent = button.getAttribute("data-copied") || button.textContent;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else {
      field.select();
      if (document.execCommand("copy")) done();
    }
  });

  // "/" anywhere but in a field puts the cursor in the header's search.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var field = document.getElementById("global-search");
    if (!field) return;
    event.preventDefault();
    field.focus();
  });

  // "Cancel" in a confirmation shown inside the page closes it instead of leaving.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-dismiss-panel]");
    if (!link) return;
    var panel = link.closest("#kick-panel");
    if (!panel) return;
    event.preventDefault();
    panel.innerHTML = "";
  });
})();
