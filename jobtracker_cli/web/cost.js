// What jobs cost, as the API says it (docs/cost.md): dollars, a job's cost lines, and the
// stats page's spend by group (a cost-per-day chart stacked by group, top spenders).

import { api, el, onWidthChange, showError } from "./common.js";
import { chartColumns, drawDailyBars, periodOf } from "./charts.js";

// Dollars to the cent; under a cent, to a hundredth of one; "-" for none.
export function usd(amount) {
  if (typeof amount !== "number") return "-";
  return amount === 0 || amount >= 0.01
    ? `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
    : `$${amount.toFixed(4)}`;
}

// A listing's cost cell: a running job's (its summary carries its rate) is its cost so far.
export function listedCost(job) {
  if (job.cost_usd === null || job.cost_usd === undefined) return "-";
  return job.cost_usd_per_hour !== undefined ? `~${usd(job.cost_usd)}` : usd(job.cost_usd);
}

// The job page's cost facts: the figure, what it includes, and whose prices.
export function costFacts(job) {
  if (job.cost_usd === null || job.cost_usd === undefined) {
    return [["Cost", `- (${job.cost_reason || "not priced"})`]];
  }
  const parts = [];
  if (job.warm_pool_cost_usd) parts.push(`warm pool ${usd(job.warm_pool_cost_usd)}`);
  const includes = ["instances", ...parts].join(" + ");
  const figure = job.cost_is_estimate
    ? `${usd(job.cost_usd)} so far (running, ${usd(job.cost_usd_per_hour)}/h)`
    : `${usd(job.cost_usd)} (${includes}; storage and data transfer not included)`;
  const prices = Object.entries(job.price_usd_per_hour || {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, price]) => `${type} ${usd(price)}/h`)
    .join(", ");
  return [
    ["Cost", figure],
    ["Spot saved", job.spot_savings_usd === null || job.spot_savings_usd === undefined ? null : usd(job.spot_savings_usd)],
    ["Prices", `${prices || "-"} (${job.price_source || "-"})`],
  ];
}

// The stats page's spend section: /stats?group_by=..., drawn and tabled.
const GROUPINGS = [
  ["tag:team", "team"],
  ["tag:project", "project"],
  ["account", "account"],
  ["region", "region"],
  ["instance_type", "instance type"],
];
// The groups stacked one by one in the chart; the rest together as "others".
const STACKED = 6;

function spendTable(groups, total) {
  const rows = groups.map((group) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, group.key === null ? "(none)" : group.key),
      el("td", { class: "num" }, String(group.jobs)),
      el("td", { class: "num" }, usd(group.cost_usd)),
      el("td", { class: "num" }, total > 0 ? `${((100 * group.cost_usd) / total).toFixed(1)}%` : "-"),
      el("td", { class: "num" }, String(group.unpriced_jobs)),
    ),
  );
  return el(
    "table",
    { id: "spenders" },
    el("caption", {}, "Top spenders, highest cost first"),
    el(
      "thead",
      {},
      el("tr", {}, ["group", "jobs", "cost", "share", "without a price"].map((h, i) => el("th", { scope: "col", class: i ? "num" : null }, h))),
    ),
    el("tbody", {}, rows),
  );
}

export async function loadSpend(chosen) {
  const section = document.getElementById("spend");
  const errorRegion = document.getElementById("spend-error");
  const select = document.getElementById("group-by");
  const groupBy = new URLSearchParams(location.search).get("group_by") || "tag:team";
  select.replaceChildren(...GROUPINGS.map(([value, label]) => el("option", { value, selected: value === groupBy ? "" : null }, label)));
  select.addEventListener("change", () => {
    const params = new URLSearchParams(location.search);
    params.set("group_by", select.value);
    location.search = params.toString();
  });
  // Groups span every account: the API does not combine group_by with account.
  const params = { created_after: chosen.created_after, created_before: chosen.created_before, group_by: groupBy };
  let stats;
  try {
    stats = await api("/stats", params);
  } catch (error) {
    showError(errorRegion, error);
    return;
  }
  const first = stats.created_after.slice(0, 10);
  const last = stats.created_before.slice(0, 10);
  // The same columns as the page's other charts: days, or weeks or months over a long window.
  const columns = chartColumns(first, last, stats.days);
  const days = columns.starts;
  const shown = stats.groups.slice(0, STACKED);
  const others = stats.groups.slice(STACKED);
  const perDay = new Map();
  const add = (key, day, cost) => {
    const start = periodOf(day, days);
    const row = perDay.get(start) || new Map();
    row.set(key, (row.get(key) || 0) + cost);
    perDay.set(start, row);
  };
  shown.forEach((group, index) => group.days.forEach((d) => add(`g${index}`, d.day, d.cost_usd)));
  others.forEach((group) => group.days.forEach((d) => add("others", d.day, d.cost_usd)));
  const series = [
    ...shown.map((group, index) => ({ key: `g${index}`, label: group.key === null ? "(none)" : group.key, className: `spend-${index}` })),
    ...(others.length ? [{ key: "others", label: `${others.length} others`, className: "spend-others" }] : []),
  ];
  document.getElementById("spend-legend").replaceChildren(
    ...series.map((s) => el("li", {}, el("span", { class: s.className, "aria-hidden": "true" }), s.label)),
  );
  document.getElementById("spend-note").textContent =
    `${usd(stats.cost_usd)} in all, by ${select.selectedOptions[0].textContent}, every account` +
    (stats.unpriced_jobs ? `; ${stats.unpriced_jobs} ended job(s) without a price left out.` : ".");
  document.getElementById("spenders-table").replaceChildren(spendTable(stats.groups, stats.cost_usd));
  const chart = {
    id: "spend-chart-svg",
    title: "Cost per day (USD), by group",
    description: `${usd(stats.cost_usd)} over ${columns.windowDays} days.${columns.drawn} The top spenders table has every group.`,
    days,
    series,
    value: (day, key) => (perDay.get(day) && perDay.get(day).get(key)) || 0,
    format: (v) => usd(v),
    label: columns.label,
    name: columns.name,
  };
  const draw = () => drawDailyBars(document.getElementById("spend-chart"), chart);
  section.hidden = false;
  draw();
  onWidthChange(draw);
}
