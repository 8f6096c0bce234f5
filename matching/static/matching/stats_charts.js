// Charts of the statistics page, drawn from the JSON the page embeds (no request, no CDN).
(function () {
  "use strict";
  var source = document.getElementById("stats-charts");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var coverage = document.getElementById("chart-coverage");
  if (coverage && data.coverage.labels.length) {
    new Chart(coverage, {
      data: {
        labels: data.coverage.labels,
        datasets: [
          { type: "line", label: data.text.share, data: data.coverage.share, yAxisID: "share",
            borderColor: "#1b7f3b", backgroundColor: "#1b7f3b", tension: 0.2 },
          { type: "bar", label: data.text.demands, data: data.coverage.demands, yAxisID: "count",
            backgroundColor: "#9fc5e8" }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        plugins: { tooltip: { callbacks: { title: function (items) { return data.coverage.titles[items[0].dataIndex]; } } } },
        scales: {
          share: { position: "left", beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } },
          count: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } }
        }
      }
    });
  }
  function shortLabel(label) {
    var narrow = window.innerWidth < 576;
    var text = narrow ? String(label).split(" · ").pop() : String(label);
    var max = narrow ? 14 : 48;
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }
  var gaps = document.getElementById("chart-gaps");
  if (gaps && data.gaps.labels.length) {
    new Chart(gaps, {
      type: "bar",
      data: { labels: data.gaps.labels, datasets: [{ label: data.text.unmet, data: data.gaps.unmet, backgroundColor: "#cc4125" }] },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false,
        plugins: { tooltip: { callbacks: { title: function (items) { return data.gaps.labels[items[0].dataIndex]; } } } },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 } },
          // A label is "category · parameter"; on a phone the whole of it would crowd the bars off the screen, so
          // the axis names the parameter, shortened, and the tooltip tells the whole label.
          y: { ticks: { callback: function (value) { return shortLabel(this.getLabelForValue(value)); } } }
        }
      }
    });
  }
})();
