// The job page: GET /jobs/{name} and its /transitions; key facts, console links, the
// timeline, and the full record folded away.

import { api, arnParts, badge, duration, el, epochMs, onWidthChange, placeOf, shortTime, showError } from "./common.js";
import { costFacts } from "./cost.js";
import { drawTimeline, timelineLayout, timelineSummary } from "./timeline.js";
import { showAttentionBanner } from "./attention.js";

const CONSOLE_DOMAINS = {
  aws: "console.aws.amazon.com",
  "aws-cn": "console.amazonaws.cn",
  "aws-us-gov": "console.amazonaws-us-gov.com",
};
const LOG_GROUP = "/aws/sagemaker/TrainingJobs";

const address = new URLSearchParams(location.search);
const name = address.get("name") || "";
// A name alone is the job in the tracker's own account and region.
const place = { account: address.get("account") || undefined, region: address.get("region") || undefined };
const heading = document.getElementById("name");
const errorRegion = document.getElementById("error");

// The same links as the alerts carry (functions/jobtracker/alerts/message.py).
function consoleLinks(job) {
  const arn = arnParts(job.training_job_arn);
  if (!arn || !arn.region) return [];
  const domain = CONSOLE_DOMAINS[arn.partition] || CONSOLE_DOMAINS.aws;
  const base = `https://${arn.region}.${domain}`;
  const group = LOG_GROUP.replaceAll("/", "$252F");
  const jobName = encodeURIComponent(job.training_job_name);
  return [
    ["SageMaker console", `${base}/sagemaker/home?region=${arn.region}#/jobs/${jobName}`],
    ["CloudWatch logs", `${base}/cloudwatch/home?region=${arn.region}#logsV2:log-groups/log-group/${group}$3FlogStreamNameFilter$3D${jobName}`],
  ];
}

function facts(job) {
  const resources = job.resource_config || {};
  const where = placeOf(job);
  const started = epochMs(job.training_start_time);
  const ended = epochMs(job.training_end_time);
  const spot = job.enable_managed_spot_training === true;
  const billable = job.billable_time_in_seconds;
  const training = job.training_time_in_seconds;
  const savings = spot && training > 0 && billable !== undefined ? ` (saved ${(100 * (1 - billable / training)).toFixed(1)}%)` : "";
  const rows = [
    ["Status", [badge(job.training_job_status), ` ${job.secondary_status || ""}`]],
    ["Failure reason", job.failure_reason ? el("span", { class: "failure-reason" }, job.failure_reason) : null],
    ["Created (UTC)", shortTime(job.creation_time)],
    ["Training started", shortTime(job.training_start_time)],
    ["Training ended", shortTime(job.training_end_time)],
    ["Ran for", started && ended ? duration((ended - started) / 1000) : "-"],
    ["Instances", resources.instance_type ? `${resources.instance_count ?? "?"}× ${resources.instance_type}` : "-"],
    ["Billable time", duration(billable)],
    ["Training time", duration(training)],
    ["Managed spot", spot ? `yes${savings}` : "no"],
    ...costFacts(job),
    [
      "Tuning job",
      job.tuning_job_arn
        ? el("a", { href: `./?tuning_job_arn=${encodeURIComponent(job.tuning_job_arn)}` }, job.tuning_job_arn.split("/").pop())
        : null,
    ],
    ["Image", job.algorithm_specification && job.algorithm_specification.training_image],
    ["Account / region", where.account || where.region ? `${where.account || "?"} / ${where.region || "?"}` : null],
  ];
  return rows.filter(([, value]) => value !== null && value !== undefined).flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]);
}

// Final metrics, hyperparameters and tags as name/value tables (the raw JSON has them too).
function pairsTable(id, pairs) {
  const container = document.getElementById(id);
  if (!pairs.length) {
    container.replaceChildren(el("p", { class: "muted" }, "None."));
    return;
  }
  container.replaceChildren(
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Name"), el("th", { scope: "col" }, "Value"))),
      el("tbody", {}, pairs.map(([key, value]) => el("tr", {}, el("th", { scope: "row" }, key), el("td", {}, String(value))))),
    ),
  );
}

function detailTables(job) {
  pairsTable("metrics", (job.final_metric_data_list || []).map((m) => [m.metric_name, m.value]));
  pairsTable("hyperparameters", Object.entries(job.hyper_parameters || {}).sort(([a], [b]) => a.localeCompare(b)));
  pairsTable("tags", (job.tags || []).map((t) => [t.key, t.value]).sort(([a], [b]) => a.localeCompare(b)));
}

function transitionRow(step) {
  return el(
    "tr",
    { class: step.failure ? "failure" : null },
    el("th", { scope: "row" }, step.status, step.failure ? " ✕" : ""),
    el("td", {}, shortTime(new Date(step.start).toISOString())),
    el("td", { class: "num" }, step.open ? `${duration(step.ms / 1000)} so far` : duration(step.ms / 1000)),
    el("td", {}, step.message),
  );
}

async function load() {
  document.title = `${name || "Job"} · jobtracker`;
  heading.textContent = name || "No job named";
  if (!name) {
    showError(errorRegion, "Open a job from the jobs page: this address names none (?name=...).");
    return;
  }
  const path = `/jobs/${encodeURIComponent(name)}`;
  let job;
  let transitions;
  try {
    [job, { items: transitions }] = await Promise.all([api(path, place), api(`${path}/transitions`, place)]);
  } catch (error) {
    showError(errorRegion, error);
    return;
  }
  showAttentionBanner(document.getElementById("attention-banner"), job);
  document.getElementById("facts").replaceChildren(...facts(job));
  document.getElementById("links").replaceChildren(
    ...consoleLinks(job).map(([label, href]) => el("a", { href, target: "_blank", rel: "noopener noreferrer" }, `${label} ↗`)),
  );
  const layout = timelineLayout(transitions, job);
  document.getElementById("timeline-summary").textContent = timelineSummary(layout);
  document.querySelector("#transitions tbody").replaceChildren(...layout.steps.map(transitionRow));
  // A long history is folded: the chart already shows it, and the page stays short.
  document.getElementById("transitions-details").open = layout.steps.length <= 20;
  detailTables(job);
  document.getElementById("record").textContent = JSON.stringify(job, null, 2);
  document.getElementById("job").hidden = false;
  const container = document.getElementById("timeline");
  const draw = () => {
    if (layout.steps.length) drawTimeline(container, layout, `Timeline of ${job.training_job_name}`);
  };
  draw();
  onWidthChange(draw);
}

load();
