// Charts of a match report page, drawn from the JSON the page embeds (no request, no CDN).
(function () {
  "use strict";
  var source = document.getElementById("report-charts");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  function bars(id, labels, sets, horizontal) {
    var canvas = document.getElementById(id);
    if (!canvas || !labels.length) { return; }
    new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: sets },
      // The box around the canvas sets the size; keeping an aspect ratio instead lets a resize (a phone turned,
      // the page printed) shrink the chart to a sliver.
      options: { indexAxis: horizontal ? "y" : "x", responsive: true, maintainAspectRatio: false, scales: { x: { beginAtZero: true }, y: { beginAtZero: true } } }
    });
  }
  bars("chart-categories", data.categories.labels, [
    { label: data.text.demands, data: data.categories.demands, backgroundColor: "#9fc5e8" },
    { label: data.text.matched, data: data.categories.matched, backgroundColor: "#1b7f3b" }
  ]);
  bars("chart-provinces", data.provinces.labels, [
    { label: data.text.demands, data: data.provinces.demands, backgroundColor: "#9fc5e8" },
    { label: data.text.matched, data: data.provinces.matched, backgroundColor: "#1b7f3b" }
  ]);
  bars("chart-gaps", data.gaps.labels, [
    { label: data.text.unmet, data: data.gaps.unmet, backgroundColor: "#cc4125" }
  ], true);
})();
