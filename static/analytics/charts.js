// Draws the dashboard's charts from the JSON the page embeds (json_script); the tables behind
// each chart hold the same numbers, so the page works without JavaScript.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("analytics-data");
    if (!node || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(node.textContent);
    var palette = ["#3558a8", "#c0622d", "#2e8b57", "#8a4fbf", "#b8860b", "#d14d72", "#4a7c8c"];
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var d = data[canvas.dataset.chart];
      if (!d) { return; }
      var kind = canvas.dataset.kind, config;
      if (kind === "line" && d.weeks) {
        config = { type: "line", data: { labels: d.weeks, datasets: [{ data: d.values, borderColor: palette[0], pointRadius: 0, tension: 0.2 }] },
          options: { plugins: { legend: { display: false } }, scales: { x: { display: false } }, animation: false } };
      } else if (kind === "line") {
        config = { type: "line", data: { labels: d.labels, datasets: [{ label: "Events", data: d.values, borderColor: palette[0], pointRadius: 0 }] }, options: { animation: false } };
      } else if (kind === "bar") {
        config = { type: "bar", data: { labels: d.labels, datasets: [{ label: "People", data: d.values, backgroundColor: palette[0] }] }, options: { animation: false, plugins: { legend: { display: false } } } };
      } else if (kind === "bar-pair") {
        config = { type: "bar", data: { labels: d.labels, datasets: [
          { label: "With a mentor", data: d.with, backgroundColor: palette[0] },
          { label: "Without a mentor", data: d.without, backgroundColor: palette[1] }] },
          options: { animation: false, scales: { y: { min: 0, max: 1 } } } };
      } else if (kind === "multi-line") {
        config = { type: "line", data: { labels: d.labels, datasets: Object.keys(d.series).map(function (k, i) {
          return { label: k, data: d.series[k], borderColor: palette[i % palette.length] }; }) },
          options: { animation: false, scales: { y: { min: 0, max: 1 } } } };
      } else if (kind === "stacked") {
        config = { type: "bar", data: { labels: d.weeks, datasets: Object.keys(d.series).map(function (k, i) {
          return { label: k, data: d.series[k], backgroundColor: palette[i % palette.length] }; }) },
          options: { animation: false, scales: { x: { stacked: true }, y: { stacked: true } } } };
      } else if (kind === "coverage") {
        config = { type: "bar", data: { labels: d.labels, datasets: [
          { label: "Events", data: d.events, backgroundColor: palette[2] },
          { label: "Open host slots", data: d.open, backgroundColor: palette[1] }] }, options: { animation: false } };
      } else if (kind === "checkins") {
        config = { type: "line", data: { labels: d.weeks, datasets: [{ label: "Mean score", data: d.mean, borderColor: palette[0] }] },
          options: { animation: false, scales: { y: { min: 1, max: 5 } } } };
      }
      if (config) { canvas.dataset.rendered = "1"; new window.Chart(canvas, config); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
