// Draws the dashboard's charts from the JSON the page embeds (json_script); the tables behind
// each chart hold the same numbers, so the page works without JavaScript.
//
// Every chart speaks its table's unit (each entry of the JSON names it in "unit"): a
// proportion ("pct", stored as 0-1) is drawn as a percentage on a 0-100% axis and reads
// "25.0%" in its tooltip, a count ("int") has whole-number ticks and reads "1,234", a mean
// ("float") reads "2.3" - the same writing as analytics.formatting.UNITS on the server.
(function () {
  "use strict";
  var WRITE = {
    "int": function (v) { return Math.round(v).toLocaleString("en-US"); },
    "pct": function (v) { return v.toFixed(1) + "%"; },  // v is already a percentage here
    "float": function (v) { return v.toFixed(1); }
  };
  var MISSING = "\u2014";

  // The values as the axis draws them: proportions become percentages.
  function scaled(values, unit) {
    if (unit !== "pct") { return values; }
    return values.map(function (v) { return v === null || v === undefined ? null : Math.round(v * 10000) / 100; });
  }

  // The y axis and the tooltip of a chart in `unit`; `extra` adds axis settings (stacked...).
  function unitOptions(unit, extra, fixedRange) {
    var write = WRITE[unit] || WRITE["float"];
    var y = { ticks: { callback: function (v) {
      return unit === "pct" ? (Number.isInteger(v) ? v : v.toFixed(1)) + "%" : write(v);
    } } };
    if (unit === "pct" && fixedRange !== false) { y.min = 0; y.max = 100; }
    if (unit === "int") { y.beginAtZero = true; y.ticks.precision = 0; }
    Object.keys(extra || {}).forEach(function (k) { y[k] = extra[k]; });
    return {
      animation: false,
      scales: { y: y },
      plugins: {
        tooltip: {
          callbacks: {
            label: function (ctx) {
              var v = ctx.parsed ? ctx.parsed.y : null;
              var text = v === null || v === undefined ? MISSING : write(v);
              return ctx.dataset && ctx.dataset.label ? ctx.dataset.label + ": " + text : text;
            }
          }
        }
      }
    };
  }

  function draw() {
    var node = document.getElementById("analytics-data");
    if (!node || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(node.textContent);
    var palette = ["#3558a8", "#c0622d", "#2e8b57", "#8a4fbf", "#b8860b", "#d14d72", "#4a7c8c"];
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var d = data[canvas.dataset.chart];
      if (!d) { return; }
      var kind = canvas.dataset.kind, unit = d.unit || "int", config, options;
      if (kind === "line" && d.weeks) {  // an overview sparkline: its own range, the card's unit
        options = unitOptions(unit, null, false);
        options.plugins.legend = { display: false };
        options.scales.x = { display: false };
        config = { type: "line", data: { labels: d.weeks, datasets: [{ data: scaled(d.values, unit), borderColor: palette[0], pointRadius: 0, tension: 0.2 }] }, options: options };
      } else if (kind === "line") {
        config = { type: "line", data: { labels: d.labels, datasets: [{ label: "Events", data: scaled(d.values, unit), borderColor: palette[0], pointRadius: 0 }] }, options: unitOptions(unit) };
      } else if (kind === "bar") {
        options = unitOptions(unit);
        options.plugins.legend = { display: false };
        config = { type: "bar", data: { labels: d.labels, datasets: [{ label: "People", data: scaled(d.values, unit), backgroundColor: palette[0] }] }, options: options };
      } else if (kind === "bar-pair") {
        config = { type: "bar", data: { labels: d.labels, datasets: [
          { label: "With a mentor", data: scaled(d.with, unit), backgroundColor: palette[0] },
          { label: "Without a mentor", data: scaled(d.without, unit), backgroundColor: palette[1] }] },
          options: unitOptions(unit) };
      } else if (kind === "multi-line") {
        config = { type: "line", data: { labels: d.labels, datasets: Object.keys(d.series).map(function (k, i) {
          return { label: k, data: scaled(d.series[k], unit), borderColor: palette[i % palette.length] }; }) },
          options: unitOptions(unit) };
      } else if (kind === "stacked") {
        options = unitOptions(unit, { stacked: true });
        options.scales.x = { stacked: true };
        config = { type: "bar", data: { labels: d.weeks, datasets: Object.keys(d.series).map(function (k, i) {
          return { label: k, data: scaled(d.series[k], unit), backgroundColor: palette[i % palette.length] }; }) },
          options: options };
      } else if (kind === "coverage") {
        config = { type: "bar", data: { labels: d.labels, datasets: [
          { label: "Events", data: d.events, backgroundColor: palette[2] },
          { label: "Open host slots", data: d.open, backgroundColor: palette[1] }] }, options: unitOptions(unit) };
      } else if (kind === "checkins") {  // the mean score, 1-5, as its table writes it
        config = { type: "line", data: { labels: d.weeks, datasets: [{ label: "Mean score", data: d.mean, borderColor: palette[0] }] },
          options: unitOptions("float", { min: 1, max: 5 }) };
      }
      if (config) { canvas.dataset.rendered = "1"; canvas.dataset.unit = unit; new window.Chart(canvas, config); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
