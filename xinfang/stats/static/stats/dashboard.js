/* The leaders' dashboard charts (ECharts), drawn from the JSON in #dashboard-charts. */
(function () {
  var blob = document.getElementById("dashboard-charts");
  if (!blob || typeof echarts === "undefined") { return; }
  var data = JSON.parse(blob.textContent);
  var font = { fontFamily: "Noto Sans CJK SC, Microsoft YaHei, sans-serif" };
  function chart(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var instance = echarts.init(element);
    option.textStyle = font;
    instance.setOption(option);
    window.addEventListener("resize", function () { instance.resize(); });
  }
  chart("chart-trend", {
    tooltip: { trigger: "axis" },
    grid: { left: 48, right: 16, top: 16, bottom: 32 },
    xAxis: { type: "category", data: data.trend.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: "收件", type: "line", smooth: true, areaStyle: { opacity: 0.15 }, data: data.trend.counts }]
  });
  chart("chart-channels", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 32, bottom: 32 },
    xAxis: { type: "category", data: data.channels.labels, axisLabel: { interval: 0, fontSize: 11 } },
    yAxis: { type: "value", minInterval: 1 },
    series: data.channels.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
  });
  chart("chart-categories", {
    tooltip: { trigger: "axis" },
    grid: { left: 120, right: 24, top: 8, bottom: 24 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.categories.labels },
    series: [{ name: "收件", type: "bar", data: data.categories.counts }]
  });
  if (window.bootstrap) {
    document.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) { new bootstrap.Tooltip(el); });
  }
})();
