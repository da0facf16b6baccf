// Stacked bars of the billed amount per day: the largest groups, each in its own colour by
// rank, and the rest together in grey (the table below has every group and the same numbers).
// The legend sits below the plot and is capped in height, so it never squeezes the plot.
(function () {
  var COLOURS = ["#0969da", "#1a7f37", "#bf8700", "#8250df", "#cf222e", "#1b7c83", "#bc4c00", "#bf3989"];
  var OTHER = "#8c959f";
  function draw() {
    var canvas = document.getElementById("usage-chart");
    var source = document.getElementById("usage-chart-data");
    if (!canvas || !source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent || "{}");
    if (!data.labels) return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          var colour = s.other ? OTHER : COLOURS[i % COLOURS.length];
          return { label: s.label, data: s.values, backgroundColor: colour, stack: "usage" };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { position: "bottom", maxHeight: 64, labels: { boxWidth: 12, boxHeight: 12 } } },
        scales: { x: { stacked: true, ticks: { maxTicksLimit: 10 } },
                  y: { stacked: true, beginAtZero: true, ticks: { callback: function (v) { return "$" + v; } } } }
      }
    });
    canvas.dataset.ready = "true";
    if (window.performance && performance.mark) performance.mark("usage-chart-drawn");
  }
  // The chart library (200 KB) is fetched once the page has loaded: the numbers (the table
  // below) are there first, and the chart is drawn a moment later.
  function load() {
    if (typeof Chart !== "undefined") return draw();
    var script = document.createElement("script");
    script.src = "/static/vendor/chart.umd.min.js";
    script.onload = draw;
    document.head.appendChild(script);
  }
  if (document.readyState === "complete") load(); else window.addEventListener("load", load);
})();
