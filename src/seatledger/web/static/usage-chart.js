// Stacked bars of the billed amount per day, one colour per group (the table below has the same numbers).
(function () {
  var COLOURS = ["#0969da", "#1a7f37", "#bf8700", "#8250df", "#cf222e", "#57606a", "#1b7c83", "#bc4c00"];
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
          return { label: s.label, data: s.values, backgroundColor: COLOURS[i % COLOURS.length], stack: "usage" };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { stacked: true, ticks: { maxTicksLimit: 10 } },
                  y: { stacked: true, beginAtZero: true, ticks: { callback: function (v) { return "$" + v; } } } }
      }
    });
    canvas.dataset.ready = "true";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
