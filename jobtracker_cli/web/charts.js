// Per-day bar charts in SVG: one column per day of the window (days without jobs stay
// empty), series stacked in the order given, a y axis with round ticks.

import { svg, ticks } from "./common.js";

// Every day from first to last ("yyyy-mm-dd", UTC), both included.
export function daysBetween(first, last) {
  const days = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 86400000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

// chart: {id, title, description, days, series: [{key, label, className}], value(day, key), format(v)}
export function drawDailyBars(container, chart) {
  const width = Math.max(container.clientWidth || 0, 300);
  const height = width < 520 ? 200 : 260;
  const left = 44;
  const right = 8;
  const top = 10;
  const bottom = 28;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const totals = chart.days.map((day) => chart.series.reduce((sum, s) => sum + chart.value(day, s.key), 0));
  const scale = ticks(Math.max(...totals, 0));
  const yMax = Math.max(scale[scale.length - 1], 1e-9);
  const slot = plotWidth / chart.days.length;
  const barWidth = Math.max(slot * 0.75, 1);
  const y = (value) => top + plotHeight - (value / yMax) * plotHeight;
  const root = svg(
    "svg",
    {
      class: "chart daily",
      id: chart.id,
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-labelledby": `${chart.id}-title ${chart.id}-desc`,
      "data-y-max": yMax,
      "data-plot-height": plotHeight,
    },
    svg("title", { id: `${chart.id}-title` }, chart.title),
    svg("desc", { id: `${chart.id}-desc` }, chart.description),
  );
  const grid = svg("g", { class: "grid", "aria-hidden": "true" });
  for (const value of scale) {
    grid.append(
      svg("line", { x1: left, x2: width - right, y1: y(value), y2: y(value) }),
      svg("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end" }, chart.format(value)),
    );
  }
  root.append(grid);
  // A date label every few days, as many as fit without overlapping.
  const every = Math.max(1, Math.ceil(44 / slot));
  const labels = svg("g", { class: "axis", "aria-hidden": "true" });
  chart.days.forEach((day, index) => {
    const x = left + index * slot + (slot - barWidth) / 2;
    const column = svg("g", { class: "day", "data-day": day });
    let base = 0;
    const parts = [];
    for (const series of chart.series) {
      const value = chart.value(day, series.key);
      if (value <= 0) continue;
      parts.push(`${chart.format(value)} ${series.label}`);
      column.append(
        svg("rect", {
          class: `bar ${series.className}`,
          x: x.toFixed(2),
          y: y(base + value).toFixed(2),
          width: barWidth.toFixed(2),
          height: ((value / yMax) * plotHeight).toFixed(2),
          "data-series": series.key,
          "data-value": value,
        }),
      );
      base += value;
    }
    if (parts.length) column.prepend(svg("title", {}, `${day}: ${parts.join(", ")}`));
    root.append(column);
    if (index % every === 0) {
      labels.append(svg("text", { x: x + barWidth / 2, y: height - 8, "text-anchor": "middle" }, day.slice(5)));
    }
  });
  root.append(labels);
  container.replaceChildren(root);
}
