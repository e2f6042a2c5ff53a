// Jobs in trouble now: the "needs attention" list of the jobs page (GET
// /jobs?attention=true) and the banner of the job page (the record's `attention`).
// Each entry says what is wrong, since when, and the threshold it passed.

import { api, duration, el, jobHref, shortTime } from "./common.js";

const LIMITS = { NearMaxRuntime: "MaxRuntime", NearMaxWait: "MaxWaitTime" };

// "Stuck in Starting for 45m (threshold 30m)", "At 91% of its MaxRuntime (21h50m of 24h)".
export function describeAttention(entry) {
  if (entry.kind === "Stuck") {
    return `Stuck in ${entry.secondary_status} for ${duration(entry.for_seconds)} (threshold ${duration(entry.threshold_seconds)})`;
  }
  const limit = LIMITS[entry.kind];
  if (limit && entry.limit_seconds) {
    const share = Math.floor((100 * entry.for_seconds) / entry.limit_seconds);
    return `At ${share}% of its ${limit} (${duration(entry.for_seconds)} of ${duration(entry.limit_seconds)})`;
  }
  return `${entry.kind} since ${shortTime(entry.since)}`;
}

function attentionItem(job) {
  return el(
    "li",
    { "data-name": job.training_job_name },
    el("a", { href: jobHref(job) }, job.training_job_name),
    el("span", { class: "muted" }, ` · ${job.account} / ${job.region}`),
    el("ul", {}, ...job.attention.map((entry) => el("li", { "data-kind": entry.kind }, describeAttention(entry)))),
  );
}

// The jobs page: the list above the filters, hidden when nothing needs attention. The
// account filter of the page applies to it too.
export async function showAttentionList(section) {
  const list = section.querySelector("ul");
  const account = new URLSearchParams(location.search).get("account") || undefined;
  let listing;
  try {
    listing = await api("/jobs", { attention: "true", account });
  } catch {
    // The table's own request reports the API's errors; this list stays out of the way.
    section.hidden = true;
    return;
  }
  list.replaceChildren(...listing.items.map(attentionItem));
  section.hidden = listing.items.length === 0;
}

// The job page: one banner line per trouble, above the facts.
export function showAttentionBanner(banner, job) {
  const entries = Array.isArray(job.attention) ? job.attention : [];
  banner.replaceChildren(
    el("strong", {}, "Needs attention: "),
    ...entries.flatMap((entry, index) => (index ? ["; ", describeAttention(entry)] : [describeAttention(entry)])),
  );
  banner.hidden = entries.length === 0;
}

const section = document.getElementById("attention");
if (section) showAttentionList(section);
