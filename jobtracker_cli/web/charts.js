// Bar charts in SVG over a window of days: one column per day, or per week or months
// when the days would not fit (never more than MAX_COLUMNS), series stacked in the order
// given, a y axis with round ticks. A window is never spread day by day before it is
// known to be short: 0001-01-01 to 9999-12-31 is 3.6 million days.

import { svg, ticks } from "./common.js";

const DAY_MS = 86400000;
// A year by day, leap day included; a longer span is drawn by week, then by months.
export const MAX_COLUMNS = 366;

const dayMs = (day) => Date.parse(`${day}T00:00:00Z`);
const dayOf = (ms) => new Date(ms).toISOString().slice(0, 10);

// How many days from first to last ("yyyy-mm-dd", UTC), both included.
export function dayCount(first, last) {
  return Math.round((dayMs(last) - dayMs(first)) / DAY_MS) + 1;
}

// Every day from first to last, both included: only for a span known to be short.
export function daysBetween(first, last) {
  const days = [];
  for (let t = dayMs(first); t <= dayMs(last); t += DAY_MS) days.push(dayOf(t));
  return days;
}

function monthStart(year, monthIndex) {
  const y = year + Math.floor(monthIndex / 12);
  const m = ((monthIndex % 12) + 12) % 12;
  return `${String(y).padStart(4, "0")}-${String(m + 1).padStart(2, "0")}-01`;
}

// The columns from first to last: {unit: "day" | "week" | "month", step, starts}, where
// starts are each column's first day, ascending; weeks start on Monday, months on the 1st,
// `step` months to a column when even months would not fit.
export function periods(first, last) {
  if (dayCount(first, last) <= MAX_COLUMNS) return { unit: "day", step: 1, starts: daysBetween(first, last) };
  const monday = dayMs(first) - ((new Date(dayMs(first)).getUTCDay() + 6) % 7) * DAY_MS;
  if ((dayMs(last) - monday) / (7 * DAY_MS) < MAX_COLUMNS) {
    const starts = [];
    for (let t = monday; t <= dayMs(last); t += 7 * DAY_MS) starts.push(dayOf(t));
    return { unit: "week", step: 1, starts };
  }
  const [firstYear, firstMonth] = first.split("-").map(Number);
  const [lastYear, lastMonth] = last.split("-").map(Number);
  const months = (lastYear - firstYear) * 12 + (lastMonth - firstMonth) + 1;
  const step = Math.ceil(months / MAX_COLUMNS);
  const starts = [];
  for (let m = 0; m < months; m += step) starts.push(monthStart(firstYear, firstMonth - 1 + m));
  return { unit: "month", step, starts };
}

// The start of the column a day falls in (the last start not after it), or null.
export function periodOf(day, starts) {
  let low = 0;
  let high = starts.length - 1;
  if (high < 0 || day < starts[0]) return null;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (starts[middle] <= day) low = middle;
    else high = middle - 1;
  }
  return starts[low];
}

// The columns of a chart of the window first..last, from the days that have jobs
// (`days`: the API's series, ascending, each with its `day`). A window longer than
// MAX_COLUMNS days is drawn over the days that have jobs, by week or months if those
// still do not fit. `sum(start, valueOf)` adds valueOf(entry) over a column's days.
export function chartColumns(first, last, days) {
  const windowDays = dayCount(first, last);
  const span = windowDays > MAX_COLUMNS && days.length ? [days[0].day, days[days.length - 1].day] : [first, last];
  const { unit, step, starts } = periods(...span);
  const entries = new Map(starts.map((start) => [start, []]));
  for (const entry of days) entries.get(periodOf(entry.day, starts))?.push(entry);
  const per = step > 1 ? `${step} months` : unit;
  return {
    windowDays,
    per,
    starts,
    // Said under the chart when its columns are not the window's days.
    drawn: unit === "day" && span[0] === first ? "" : ` Drawn from ${span[0]} to ${span[1]}, by ${per}.`,
    sum: (start, valueOf) => entries.get(start).reduce((total, entry) => total + valueOf(entry), 0),
    label: (start) => (unit === "month" ? start.slice(0, 7) : unit === "week" ? start : start.slice(5)),
    name: (start) => (unit === "day" ? start : unit === "week" ? `week of ${start}` : `${per} from ${start.slice(0, 7)}`),
  };
}

// chart: {id, title, description, days (each column's first day), series: [{key, label,
// className}], value(day, key), format(v), label(day) (the axis text), name(day) (a column's)}
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
  const scale = ticks(totals.reduce((most, total) => Math.max(most, total), 0));
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
  // A label every few columns, as many as fit without overlapping.
  const every = Math.max(1, Math.ceil((chart.label(chart.days[0] || "").length * 7 + 9) / slot));
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
    if (parts.length) column.prepend(svg("title", {}, `${chart.name(day)}: ${parts.join(", ")}`));
    root.append(column);
    if (index % every === 0) {
      labels.append(svg("text", { x: x + barWidth / 2, y: height - 8, "text-anchor": "middle" }, chart.label(day)));
    }
  });
  root.append(labels);
  container.replaceChildren(root);
}
