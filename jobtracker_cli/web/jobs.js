// The jobs page: GET /jobs with the filters of the page's URL, one page at a time.
//
// The URL holds exactly the API's parameters (plus `sort`), so a view can be shared and
// the browser's Back goes to the previous page. The server has one order per listing
// (newest first; by name, Z to A, for a name prefix) and pages follow it; sorting a
// column reorders the jobs of the page shown, and the note under the table says so.

import { api, badge, duration, el, jobHref, oneLine, placeOf, shortTime, showError } from "./common.js";
import { listedCost } from "./cost.js";

const FILTERS = ["status", "created_after", "created_before", "name_prefix", "tuning_job_arn", "account", "region"];
const DEFAULT_LIMIT = "50";
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const COLUMNS = {
  name: { label: "name", value: (job) => job.training_job_name, first: "ascending" },
  status: { label: "status", value: (job) => job.training_job_status, first: "ascending" },
  secondary: { label: "secondary status", value: (job) => job.secondary_status, first: "ascending" },
  created: { label: "creation time", value: (job) => job.creation_time, first: "descending" },
  billable: { label: "billable time", value: (job) => job.billable_time_in_seconds, first: "descending" },
  cost: { label: "cost", value: (job) => job.cost_usd, first: "descending" },
  instance: { label: "instances", value: instanceText, first: "ascending" },
  place: { label: "account and region", value: placeText, first: "ascending" },
};

const form = document.getElementById("filters");
const errorRegion = document.getElementById("error");
const caption = document.getElementById("caption");
const tbody = document.querySelector("#jobs tbody");
const tableRegion = document.querySelector(".table-scroll");
const next = document.getElementById("next");
const previous = document.getElementById("previous");
const first = document.getElementById("first");
const orderNote = document.getElementById("order-note");

function currentView() {
  const url = new URLSearchParams(location.search);
  const view = {};
  for (const name of [...FILTERS, "limit", "next_token", "sort"]) {
    const value = url.get(name);
    if (value) view[name] = value;
  }
  return view;
}

function search(view) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(view)) if (value) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : location.pathname;
}

// The server's own order for this view: what "unsorted" means.
function serverOrder(view) {
  return view.name_prefix ? { key: "name", direction: "descending" } : { key: "created", direction: "descending" };
}

function sortOf(view) {
  if (!view.sort) return serverOrder(view);
  const key = view.sort.replace(/^-/, "");
  // Own keys only: `__proto__` or `constructor` from a link is no column, just ignored.
  if (!Object.hasOwn(COLUMNS, key)) return serverOrder(view);
  return { key, direction: view.sort.startsWith("-") ? "descending" : "ascending" };
}

function fillForm(view) {
  for (const name of [...FILTERS, "limit"]) {
    const field = form.elements[name];
    const value = view[name] || (name === "limit" ? DEFAULT_LIMIT : "");
    // A shared link may carry a time, which a date field cannot show.
    if (field.dataset.kind === undefined) field.dataset.kind = field.type;
    if (field.dataset.kind === "date") field.type = value && !DATE.test(value) ? "text" : "date";
    field.value = value;
  }
}

function instanceText(job) {
  if (!job.instance_type) return null;
  return job.instance_count ? `${job.instance_count}× ${job.instance_type}` : job.instance_type;
}

function placeText(job) {
  const { account, region } = placeOf(job);
  return account || region ? `${account || "?"} / ${region || "?"}` : null;
}

function sorted(items, order) {
  const { value } = COLUMNS[order.key];
  const sign = order.direction === "ascending" ? 1 : -1;
  return items
    .map((job, index) => ({ job, index }))
    .sort((a, b) => {
      const x = value(a.job);
      const y = value(b.job);
      if (x === y) return a.index - b.index;
      if (x === null || x === undefined) return 1; // unknowns last, either way
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * sign;
    })
    .map((entry) => entry.job);
}

function row(job) {
  const failure = job.failure_reason || "";
  return el(
    "tr",
    { "data-name": job.training_job_name, "data-status": job.training_job_status },
    el(
      "td",
      { class: "name" },
      el("a", { href: jobHref(job) }, job.training_job_name),
      // A phone has no room for the failure column: the reason goes under the name.
      failure ? el("div", { class: "phone-only note" }, oneLine(failure, 70)) : null,
    ),
    el("td", {}, badge(job.training_job_status)),
    el("td", { class: "wide-only" }, job.secondary_status || "-"),
    el("td", { class: "nowrap" }, el("time", { datetime: job.creation_time }, shortTime(job.creation_time))),
    el("td", { class: "num" }, duration(job.billable_time_in_seconds)),
    el("td", { class: "num nowrap" }, listedCost(job)),
    el("td", { class: "wide-only nowrap" }, instanceText(job) || "-"),
    el("td", { class: "wide-only nowrap" }, placeText(job) || "-"),
    el("td", { class: "failure wide-only", title: failure || null }, oneLine(failure, 90)),
  );
}

function showSort(view) {
  const order = sortOf(view);
  for (const th of document.querySelectorAll("#jobs th[data-key]")) {
    if (th.dataset.key === order.key) th.setAttribute("aria-sort", order.direction);
    else th.removeAttribute("aria-sort");
  }
  const server = serverOrder(view);
  orderNote.textContent =
    `Pages follow the server's order: ${view.name_prefix ? "by name, Z to A" : "newest first"}. ` +
    (order.key === server.key && order.direction === server.direction
      ? "Sorting a column reorders the jobs of the page shown."
      : `This page is sorted by ${COLUMNS[order.key].label}, ${order.direction}.`);
}

function showPager(view, nextToken) {
  const depth = (history.state && history.state.depth) || 0;
  first.hidden = !view.next_token;
  first.href = search({ ...view, next_token: null });
  previous.hidden = depth === 0;
  next.hidden = !nextToken;
  if (nextToken) next.href = search({ ...view, next_token: nextToken });
}

let shown = 0; // drops the answer of a request overtaken by a newer one
let fetched = { key: null, listing: null };

async function render() {
  const view = currentView();
  const ticket = ++shown;
  fillForm(view);
  showSort(view);
  caption.textContent = "Loading jobs…";
  const params = Object.fromEntries(FILTERS.map((name) => [name, view[name]]));
  Object.assign(params, { limit: view.limit, next_token: view.next_token });
  const key = JSON.stringify(params);
  let listing;
  try {
    // A new sort of the same page needs no new request.
    listing = key === fetched.key ? fetched.listing : await api("/jobs", params);
    fetched = { key, listing };
  } catch (error) {
    if (ticket !== shown) return;
    showError(errorRegion, error);
    tbody.replaceChildren();
    caption.textContent = "No jobs shown.";
    showPager(view, null);
    return;
  }
  if (ticket !== shown) return;
  errorRegion.textContent = "";
  const items = sorted(listing.items, sortOf(view));
  tbody.replaceChildren(...items.map(row));
  const count = items.length;
  caption.textContent = count
    ? `${count} job${count === 1 ? "" : "s"} on this page${listing.next_token ? "; more on the next" : ""}.`
    : view.next_token
      ? "No more jobs."
      : "No jobs match these filters.";
  showPager(view, listing.next_token);
}

function go(view, depth) {
  history.pushState({ depth }, "", search(view));
  render();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const view = {};
  for (const name of [...FILTERS, "limit"]) {
    const value = form.elements[name].value.trim();
    if (value && !(name === "limit" && value === DEFAULT_LIMIT)) view[name] = value;
  }
  go(view, 0);
});

document.querySelector("#jobs thead").addEventListener("click", (event) => {
  const th = event.target.closest("th[data-key]");
  if (!th || !event.target.closest("button")) return;
  const view = currentView();
  const current = sortOf(view);
  const key = th.dataset.key;
  const direction =
    key === current.key
      ? current.direction === "ascending" ? "descending" : "ascending"
      : COLUMNS[key].first;
  const server = serverOrder(view);
  const sort = key === server.key && direction === server.direction ? null : (direction === "descending" ? "-" : "") + key;
  const depth = (history.state && history.state.depth) || 0;
  history.replaceState({ depth }, "", search({ ...view, sort }));
  render();
});

next.addEventListener("click", (event) => {
  event.preventDefault();
  const depth = (history.state && history.state.depth) || 0;
  history.pushState({ depth: depth + 1 }, "", next.href);
  render().then(() => tableRegion.focus());
});

previous.addEventListener("click", () => history.back());
first.addEventListener("click", (event) => {
  event.preventDefault();
  go({ ...currentView(), next_token: null }, 0);
});

window.addEventListener("popstate", render);
if (!history.state) history.replaceState({ depth: 0 }, "", location.href);
render();
