// What every page shares: the API, building elements, and how times and statuses read.
// Text from the API only ever becomes a text node or an attribute, never markup.

export const STATUSES = ["InProgress", "Stopping", "Completed", "Failed", "Stopped"];
const SVG = "http://www.w3.org/2000/svg";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The API answers on this same origin: beside the pages on the local stack, and through
// `jobtracker ui`, which signs and forwards these GETs.
export async function api(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, value);
  }
  const url = path + (query.toString() ? `?${query}` : "");
  const response = await fetch(url, { headers: { accept: "application/json" } });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = body && typeof body.message === "string" ? body.message : response.statusText;
    throw new ApiError(response.status, `HTTP ${response.status}: ${message}`);
  }
  return body;
}

export function el(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

export function svg(tag, attributes = {}, ...children) {
  return build(document.createElementNS(SVG, tag), attributes, children);
}

function build(node, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.setAttribute("class", value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function badge(status) {
  return el("span", { class: `badge ${STATUSES.includes(status) ? status : ""}` }, status || "-");
}

// "1h05m", "12m30s", "4s": as the command line prints them.
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "-";
  const whole = Math.max(0, Math.round(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = whole % 60;
  if (hours) return `${hours}h${String(minutes).padStart(2, "0")}m`;
  if (minutes) return `${minutes}m${String(secs).padStart(2, "0")}s`;
  return `${secs}s`;
}

export function shortTime(iso) {
  return iso ? iso.slice(0, 19).replace("T", " ") : "-";
}

export function epochMs(iso) {
  return iso ? Date.parse(iso) : NaN;
}

export function oneLine(text, width) {
  const flat = (text || "").split(/\s+/).join(" ").trim();
  return width && flat.length > width ? `${flat.slice(0, width - 1)}\u2026` : flat;
}

// arn:<partition>:sagemaker:<region>:<account>:training-job/<name>
export function arnParts(arn) {
  const parts = (arn || "").split(":");
  return parts.length >= 6 ? { partition: parts[1], region: parts[3], account: parts[4] } : null;
}

// Where a job ran: the summary's own account and region, else its ARN's.
export function placeOf(job) {
  const arn = arnParts(job.training_job_arn) || {};
  return { account: job.account || arn.account || null, region: job.region || arn.region || null };
}

// A job is its name in an account and a region: the link names all three when the API
// gave them, since another account may have a job of the same name.
export function jobHref(job) {
  const params = new URLSearchParams({ name: job.training_job_name });
  if (job.account) params.set("account", job.account);
  if (job.region) params.set("region", job.region);
  return `job.html?${params}`;
}

export function showError(region, error) {
  region.textContent = error instanceof Error ? error.message : String(error);
}

// Redraw charts when the width changes (a phone turned, a window resized), not on
// every resize event.
export function onWidthChange(draw) {
  let width = window.innerWidth;
  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (window.innerWidth !== width) {
        width = window.innerWidth;
        draw();
      }
    }, 150);
  });
}

// Tick values for an axis from 0 to at least max: 1, 2 or 5 times a power of ten apart.
export function ticks(max, count = 5) {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  const values = [0];
  while (values[values.length - 1] < max - step * 1e-9) values.push(+(values.length * step).toFixed(10));
  return values;
}
