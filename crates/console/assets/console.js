// mailflow console: charts, confirmations and CSV files. Pages work
// without it; it only adds to them.
(function () {
  "use strict";

  // Draws each `.chart` from the JSON in the element its data-chart names.
  function drawCharts(root) {
    if (typeof uPlot === "undefined") return;
    root.querySelectorAll(".chart[data-chart]").forEach(function (box) {
      if (box.dataset.drawn) return;
      var source = document.getElementById(box.dataset.chart);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      if (!data.times || data.times.length === 0) {
        box.textContent = box.dataset.empty || "";
        box.classList.add("empty");
        return;
      }
      var colours = ["#0b57a4", "#a61b1b", "#1e6b34", "#8a5300", "#6b2fa3", "#00707a", "#555555"];
      // Times in the page's language, in UTC like every time the console shows.
      var language = document.documentElement.lang || "en";
      var clock = new Intl.DateTimeFormat(language,
        { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
      var moment = new Intl.DateTimeFormat(language,
        { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
      var time = {
        label: box.dataset.timeLabel || "",
        value: function (u, v) { return v == null ? "–" : moment.format(new Date(v * 1000)) + " UTC"; }
      };
      var series = [time].concat(data.series.map(function (s, i) {
        return { label: s.label, stroke: colours[i % colours.length], width: 2, spanGaps: false };
      }));
      var rows = [data.times].concat(data.series.map(function (s) { return s.values; }));
      // Never wider than the screen; at least the last half hour, so a
      // chart of a few minutes does not stretch over years.
      var width = Math.max(240, Math.min(box.clientWidth || 600, window.innerWidth - 32));
      var last = data.times[data.times.length - 1];
      var first = Math.min(data.times[0], last - 1800);
      var options = { width: width, height: 220, series: series, axes: [{ values: function (u, splits) {
          return splits.map(function (v) { return clock.format(new Date(v * 1000)); });
        } }, { size: 50 }],
        scales: { x: { time: true, auto: false, range: [first, last + 60] } } };
      new uPlot(options, rows, box);
      box.dataset.drawn = "1";
    });
  }

  // Buttons with data-confirm ask before their form is sent.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });

  // A file input with data-fills puts the file's text in that textarea.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-fills]")) return;
    var target = document.getElementById(input.dataset.fills);
    var file = input.files && input.files[0];
    if (!target || !file) return;
    file.text().then(function (text) { target.value = text; });
  });

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
})();
