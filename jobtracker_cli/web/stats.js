// The stats page: GET /stats for the window of the URL (the API's default: the last 30
// days), its totals as tiles and its per-day series as two charts, each with a table.

import { STATUSES, api, badge, el, onWidthChange, showError } from "./common.js";
import { chartColumns, drawDailyBars } from "./charts.js";
import { loadSpend, usd } from "./cost.js";

const PARAMETERS = ["created_after", "created_before", "account"];
const form = document.getElementById("window");
const errorRegion = document.getElementById("error");

const hours = (seconds) => seconds / 3600;
const formatHours = (value) => (value >= 10 || value === 0 ? String(Math.round(value)) : value.toFixed(1));

function chosenParameters() {
  const url = new URLSearchParams(location.search);
  return Object.fromEntries(PARAMETERS.map((name) => [name, url.get(name) || ""]));
}

function tiles(stats) {
  const total = STATUSES.reduce((sum, status) => sum + stats.counts[status], 0);
  const tile = (label, value) => el("div", { class: "tile" }, el("span", { class: "value" }, value), label);
  return [
    tile("jobs created", total),
    ...STATUSES.map((status) => tile(badge(status), stats.counts[status])),
    tile("billable hours", formatHours(hours(stats.billable_time_in_seconds))),
    tile("training hours", formatHours(hours(stats.training_time_in_seconds))),
    tile("spot savings", stats.spot_savings_percent === null ? "-" : `${stats.spot_savings_percent}%`),
    tile("cost of ended jobs", usd(stats.cost_usd)),
  ];
}

function table(caption, headings, rows) {
  return el(
    "table",
    {},
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, headings.map((h, i) => el("th", { scope: "col", class: i ? "num" : null }, h)))),
    el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c, i) => (i ? el("td", { class: "num" }, c) : el("th", { scope: "row" }, c)))))),
  );
}

function busiest(days, total) {
  let best = null;
  for (const day of days) if (!best || total(day) > total(best)) best = day;
  return best && total(best) > 0 ? best : null;
}

async function load() {
  const chosen = chosenParameters();
  let stats;
  try {
    stats = await api("/stats", chosen);
  } catch (error) {
    showError(errorRegion, error);
    document.getElementById("window-text").textContent = "";
    return;
  }
  const first = stats.created_after.slice(0, 10);
  const last = stats.created_before.slice(0, 10);
  // The window as the server rounded it (whole days; by default the last 30).
  form.elements.created_after.value = first;
  form.elements.created_before.value = last;
  form.elements.account.value = chosen.account;
  // Per day, or per week or months over a long window: never the window spread by day.
  const columns = chartColumns(first, last, stats.days);
  const days = columns.starts;
  const count = (start, status) => columns.sum(start, (day) => day.counts[status]);
  const billable = (start) => columns.sum(start, (day) => hours(day.billable_time_in_seconds));
  const dayTotal = (start) => STATUSES.reduce((sum, status) => sum + count(start, status), 0);

  const accounts = chosen.account ? `in account ${chosen.account}` : "in every account";
  document.getElementById("window-text").textContent = `Jobs created from ${first} to ${last} (UTC, ${columns.windowDays} days), ${accounts}.`;
  document.getElementById("tiles").replaceChildren(...tiles(stats));
  document.getElementById("legend").replaceChildren(...STATUSES.map((status) => el("li", {}, el("span", { class: status, "aria-hidden": "true" }), status)));

  const peak = busiest(days, dayTotal);
  const peakHours = busiest(days, billable);
  const series = STATUSES.map((status) => ({ key: status, label: status, className: status }));
  const countsChart = {
    id: "counts",
    title: `Jobs created per ${columns.per}, by current status`,
    description:
      `${columns.windowDays} days, ${stats.days.length} with jobs.${columns.drawn}` +
      (peak ? ` Busiest: ${columns.name(peak)}, ${dayTotal(peak)} jobs.` : " No jobs.") +
      " The table below the chart has every figure.",
    days,
    series,
    value: count,
    format: (v) => String(v),
    label: columns.label,
    name: columns.name,
  };
  const hoursChart = {
    id: "hours",
    title: `Billable hours per ${columns.per}`,
    description:
      `${formatHours(hours(stats.billable_time_in_seconds))} billable hours in all.${columns.drawn}` +
      (peakHours ? ` Most: ${columns.name(peakHours)}, ${formatHours(billable(peakHours))} hours.` : "") +
      " The table below the chart has every figure.",
    days,
    series: [{ key: "billable", label: "billable hours", className: "hours" }],
    value: (day) => billable(day),
    format: formatHours,
    label: columns.label,
    name: columns.name,
  };
  document.getElementById("counts-title").textContent = countsChart.title;
  document.getElementById("hours-title").textContent = hoursChart.title;
  // The tables stay by day: the days with jobs, as the API lists them.
  const dayCount = (day, status) => day.counts[status];
  document.getElementById("counts-table").replaceChildren(
    table("Jobs created per day (days with jobs)", ["day", ...STATUSES, "total"], stats.days.map((day) => [day.day, ...STATUSES.map((s) => dayCount(day, s)), STATUSES.reduce((sum, s) => sum + dayCount(day, s), 0)])),
  );
  document.getElementById("hours-table").replaceChildren(
    table("Billable hours per day (days with jobs)", ["day", "billable hours"], stats.days.map((day) => [day.day, formatHours(hours(day.billable_time_in_seconds))])),
  );
  const draw = () => {
    drawDailyBars(document.getElementById("counts-chart"), countsChart);
    drawDailyBars(document.getElementById("hours-chart"), hoursChart);
  };
  draw();
  onWidthChange(draw);
  loadSpend(chosen);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams();
  for (const name of PARAMETERS) if (form.elements[name].value) params.set(name, form.elements[name].value);
  location.search = params.toString();
});

load();
