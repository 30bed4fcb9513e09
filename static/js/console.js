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
})();
