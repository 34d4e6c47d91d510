// CX PMO pages: plotly figures from JSON data islands, drag-and-drop on the portfolio board, print.
// Progressive enhancement only: every action also works through the plain forms on the page.
(function () {
  "use strict";

  // <div data-plot="island-id"> + <script type="application/json" id="island-id">{"data","layout"}</script>
  function drawPlots() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-plot]").forEach(function (el) {
      var island = document.getElementById(el.getAttribute("data-plot"));
      if (!island) { return; }
      var figure = JSON.parse(island.textContent);
      el.classList.add("plot--ready");
      window.Plotly.newPlot(el, figure.data, figure.layout, { displayModeBar: false, responsive: true });
    });
  }

  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // --- board ------------------------------------------------------------------------------------
  var board = document.querySelector("[data-board]");
  var live = document.getElementById("board-status");

  function say(text, isError) {
    if (!live) { return; }
    live.textContent = text;
    live.classList.toggle("board__status--error", !!isError);
  }

  function refreshCounts() {
    board.querySelectorAll("[data-column]").forEach(function (column) {
      var count = column.querySelector("[data-count]");
      var empty = column.querySelector("[data-empty]");
      var n = column.querySelectorAll("[data-card]").length;
      if (count) { count.textContent = String(n); }
      if (empty) { empty.hidden = n > 0; }
    });
  }

  function updateMoves(card, moves) {
    var select = card.querySelector("select[name=status]");
    var allowed = moves.map(function (m) { return m[0]; });
    card.setAttribute("data-moves", allowed.join(" "));
    if (!select) { return; }
    while (select.options.length) { select.remove(0); }
    moves.forEach(function (m) {
      var option = document.createElement("option");
      option.value = m[0];
      option.textContent = m[1];
      select.appendChild(option);
    });
    var form = select.form;
    if (form) { form.hidden = moves.length === 0; }
  }

  function move(card, column, status) {
    var form = card.querySelector("form[data-move]");
    if (!form) { return; }
    var data = new FormData(form);
    data.set("status", status);
    card.classList.add("card--busy");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      card.classList.remove("card--busy");
      if (!result.ok) {
        say(result.body.detail || board.getAttribute("data-error"), true);
        return;
      }
      column.querySelector("[data-cards]").appendChild(card);
      updateMoves(card, result.body.moves || []);
      refreshCounts();
      say(card.getAttribute("data-title") + " → " + result.body.label, false);
    }).catch(function () {
      card.classList.remove("card--busy");
      say(board.getAttribute("data-error"), true);
    });
  }

  if (board) {
    var dragged = null;
    board.querySelectorAll("[data-card][data-moves]").forEach(function (card) {
      card.setAttribute("draggable", "true");
      card.addEventListener("dragstart", function (event) {
        dragged = card;
        card.classList.add("card--dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", card.getAttribute("data-card"));
        var allowed = (card.getAttribute("data-moves") || "").split(" ");
        board.querySelectorAll("[data-column]").forEach(function (column) {
          if (allowed.indexOf(column.getAttribute("data-column")) >= 0) { column.classList.add("column--target"); }
        });
      });
      card.addEventListener("dragend", function () {
        card.classList.remove("card--dragging");
        board.querySelectorAll(".column--target, .column--over").forEach(function (c) {
          c.classList.remove("column--target", "column--over");
        });
        dragged = null;
      });
    });
    board.querySelectorAll("[data-column]").forEach(function (column) {
      column.addEventListener("dragover", function (event) {
        if (dragged && column.classList.contains("column--target")) {
          event.preventDefault();
          column.classList.add("column--over");
        }
      });
      column.addEventListener("dragleave", function () { column.classList.remove("column--over"); });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        column.classList.remove("column--over");
        if (!dragged) { return; }
        var status = column.getAttribute("data-column");
        var allowed = (dragged.getAttribute("data-moves") || "").split(" ");
        if (allowed.indexOf(status) < 0) {
          say(board.getAttribute("data-refused"), true);
          return;
        }
        move(dragged, column, status);
      });
    });
    // The no-JS form still works; with JS it moves the card in place instead of reloading.
    board.querySelectorAll("form[data-move]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var card = form.closest("[data-card]");
        var status = form.querySelector("select[name=status]").value;
        var column = board.querySelector('[data-column="' + status + '"]');
        if (card && column) { move(card, column, status); }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawPlots);
  } else {
    drawPlots();
  }
})();
