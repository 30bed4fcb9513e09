// Draws every Plotly figure the server put in the page, again after each htmx swap.
(function () {
  "use strict";
  function draw(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-chart]:not([data-drawn])").forEach(function (el) {
      // The figure rides in an attribute: htmx drops <script> elements from swapped content.
      var figure = JSON.parse(el.getAttribute("data-figure"));
      // No mode bar: its icons carry inline styles the Content-Security-Policy refuses.
      // Drag to zoom and double-click to reset still work.
      // The reader's language for dates and hover labels: the page loads the locale it names.
      var locale = el.getAttribute("data-locale") || "en";
      window.Plotly.react(el, figure.data, figure.layout, {displayModeBar: false, responsive: true, locale: locale});
      el.setAttribute("data-drawn", "true");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // After an outerHTML swap the event target is the replaced element: look at the whole page.
  document.addEventListener("htmx:afterSettle", function () { draw(document); });
})();
