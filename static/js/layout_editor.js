// The layout editor: drag panes, resize them from a corner, move them with the keyboard.
// Every change goes to the pane's number fields, which are what the form sends; the server
// draws the previews. Without this script the numbers are edited by hand.
(function () {
  "use strict";
  var GRID = 40;
  var canvas = document.getElementById("layout-canvas");
  if (!canvas || !window.interact) return;
  var box = canvas.viewBox.baseVal;

  function snap(value) { return Math.round(value * GRID) / GRID; }
  function clamp(value, low, high) { return Math.min(Math.max(value, low), high); }
  function field(index, name) { return document.getElementById("id_pane-" + index + "-" + name); }
  function read(index) {
    return {
      x: parseFloat(field(index, "x").value) || 0, y: parseFloat(field(index, "y").value) || 0,
      width: parseFloat(field(index, "width").value) || 0.1, height: parseFloat(field(index, "height").value) || 0.1
    };
  }
  function write(index, pane) {
    pane.width = clamp(snap(pane.width), 1 / GRID, 1);
    pane.height = clamp(snap(pane.height), 1 / GRID, 1);
    pane.x = clamp(snap(pane.x), 0, 1 - pane.width);
    pane.y = clamp(snap(pane.y), 0, 1 - pane.height);
    ["x", "y", "width", "height"].forEach(function (name) { field(index, name).value = pane[name].toFixed(4).replace(/0+$/, "").replace(/\.$/, ""); });
    draw(index, pane);
  }
  function draw(index, pane) {
    var group = canvas.querySelector('g.pane[data-pane="' + index + '"]');
    if (!group) return;
    var rect = group.querySelector("rect"), text = group.querySelector("text");
    rect.setAttribute("x", pane.x * box.width); rect.setAttribute("y", pane.y * box.height);
    rect.setAttribute("width", pane.width * box.width); rect.setAttribute("height", pane.height * box.height);
    if (text) { text.setAttribute("x", pane.x * box.width + 6); text.setAttribute("y", pane.y * box.height + 16); }
  }
  function scale() { var r = canvas.getBoundingClientRect(); return { x: r.width, y: r.height }; }

  var selected = null;
  canvas.querySelectorAll("g.pane").forEach(function (group) {
    group.setAttribute("tabindex", "0");
    group.setAttribute("focusable", "true");
    group.addEventListener("focus", function () { selected = parseInt(group.dataset.pane, 10); group.classList.add("selected"); });
    group.addEventListener("blur", function () { group.classList.remove("selected"); });
  });

  window.interact("#layout-canvas g.pane")
    .draggable({
      listeners: {
        move: function (event) {
          var index = parseInt(event.target.dataset.pane, 10), size = scale(), pane = read(index);
          var moved = event.target._moved || { x: pane.x, y: pane.y };
          moved.x += event.dx / size.x; moved.y += event.dy / size.y;
          event.target._moved = moved;
          pane.x = moved.x; pane.y = moved.y;
          write(index, pane);
        },
        end: function (event) { event.target._moved = null; }
      }
    })
    .resizable({
      edges: { right: true, bottom: true },
      listeners: {
        move: function (event) {
          var index = parseInt(event.target.dataset.pane, 10), size = scale(), pane = read(index);
          pane.width = event.rect.width / size.x; pane.height = event.rect.height / size.y;
          write(index, pane);
        }
      }
    });

  canvas.addEventListener("keydown", function (event) {
    if (selected === null) return;
    var step = 1 / GRID, pane = read(selected), keys = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    var move = keys[event.key];
    if (!move) return;
    event.preventDefault();
    if (event.shiftKey) { pane.width += move[0]; pane.height += move[1]; } else { pane.x += move[0]; pane.y += move[1]; }
    write(selected, pane);
  });
})();
