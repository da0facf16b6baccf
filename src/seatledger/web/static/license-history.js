// Draws the license-history chart from the JSON the page embeds (the same numbers as the table).
(function () {
  function draw() {
    var canvas = document.getElementById("license-history");
    var source = document.getElementById("license-history-data");
    if (!canvas || !source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent || "{}");
    if (!data.labels) return;
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.label || "Consumed seats", data: data.values, borderColor: "#0969da",
          backgroundColor: "rgba(9,105,218,0.12)", fill: true, pointRadius: 0, tension: 0.2, borderWidth: 2
        }]
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 8 } } }
      }
    });
    canvas.dataset.ready = "true";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
