// A job's secondary status transitions as an SVG timeline: one row and one bar per
// transition, on one time scale, so each bar's width is its duration. A transition
// without an end runs to now while the job runs, else to the job's end (often it is the
// final, instant status: drawn as a tick, its bar 0 wide).

import { duration, epochMs, shortTime, svg } from "./common.js";

// Statuses in which a job ends for a reason other than success or a user's stop.
const FAILURE_STATUSES = new Set(["Failed", "MaxRuntimeExceeded", "MaxWaitTimeExceeded", "Interrupted"]);
const RUNNING = new Set(["InProgress", "Stopping"]);
// Axis steps a reader can add up: seconds, minutes, hours, days.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

export function timelineLayout(transitions, job, now = Date.now()) {
  const running = RUNNING.has(job.training_job_status);
  const jobEnd = Math.max(epochMs(job.training_end_time) || 0, epochMs(job.last_modified_time) || 0);
  const steps = transitions.map((step, index) => {
    const start = epochMs(step.start_time);
    let end = epochMs(step.end_time);
    const open = Number.isNaN(end);
    if (open) end = Math.max(start, running ? now : jobEnd);
    return {
      index,
      status: step.status,
      message: step.status_message || "",
      start,
      end,
      ms: end - start,
      open: open && running && end > start,
      failure: FAILURE_STATUSES.has(step.status),
    };
  });
  // A failed job whose history names no failure status: mark where it stopped.
  if (job.training_job_status === "Failed" && steps.length && !steps.some((s) => s.failure)) {
    steps[steps.length - 1].failure = true;
  }
  const origin = Math.min(...steps.map((s) => s.start));
  const finish = Math.max(...steps.map((s) => s.end));
  return { steps, origin, span: Math.max(finish - origin, 1) };
}

export function timelineSummary(layout) {
  const { steps, span } = layout;
  if (!steps.length) return "No secondary status transitions recorded.";
  const longest = steps.reduce((a, b) => (b.ms > a.ms ? b : a));
  const failed = steps.find((s) => s.failure);
  return (
    `${steps.length} transition${steps.length === 1 ? "" : "s"} over ${duration(span / 1000)}; ` +
    `longest: ${longest.status}, ${duration(longest.ms / 1000)}` +
    (failed ? `; failed at ${failed.status}, ${duration((failed.start - layout.origin) / 1000)} in.` : ".")
  );
}

export function drawTimeline(container, layout, title) {
  const width = Math.max(container.clientWidth || 0, 300);
  const narrow = width < 520;
  const labelWidth = narrow ? 112 : 190;
  const durationWidth = 70;
  const plot = width - labelWidth - durationWidth - 12;
  const rowHeight = layout.steps.length > 20 ? 18 : 26;
  const axisHeight = 24;
  const height = axisHeight + layout.steps.length * rowHeight + 6;
  const x = (ms) => labelWidth + (ms / layout.span) * plot;
  const chart = svg(
    "svg",
    {
      class: "chart timeline",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-labelledby": "timeline-svg-title timeline-svg-desc",
      "data-plot-width": plot.toFixed(2),
      "data-span-ms": layout.span,
    },
    svg("title", { id: "timeline-svg-title" }, title),
    svg("desc", { id: "timeline-svg-desc" }, `${timelineSummary(layout)} The table below the chart lists every transition.`),
    axis(layout.span, x, axisHeight, height, Math.max(1, Math.floor(plot / 80))),
  );
  for (const step of layout.steps) {
    const top = axisHeight + step.index * rowHeight;
    const middle = top + rowHeight / 2;
    const left = x(step.start - layout.origin);
    const barWidth = (step.ms / layout.span) * plot;
    const phase = step.failure ? "failure" : step.status === "Training" ? "training" : step.status === "Completed" ? "done" : "";
    const label = narrow && step.status.length > 15 ? `${step.status.slice(0, 14)}…` : step.status;
    const tip =
      `${step.status}: ${step.open ? "ongoing, " : ""}${duration(step.ms / 1000)}, ` +
      `from ${shortTime(new Date(step.start).toISOString())}` +
      (step.message ? `. ${step.message}` : "");
    const row = svg(
      "g",
      { class: "row" },
      svg("text", { class: `row-label ${step.failure ? "failure" : ""}`, x: labelWidth - 8, y: middle + 4, "text-anchor": "end" }, label),
      svg(
        "rect",
        {
          class: `bar phase ${phase} ${step.open ? "ongoing" : ""}`,
          x: left.toFixed(2),
          y: top + 4,
          width: barWidth.toFixed(2),
          height: rowHeight - 8,
          "data-status": step.status,
          "data-ms": step.ms,
        },
        svg("title", {}, tip),
      ),
    );
    if (barWidth < 2) {
      row.append(svg("line", { class: "instant", x1: left, x2: left, y1: top + 3, y2: top + rowHeight - 3 }, svg("title", {}, tip)));
    }
    if (step.failure) {
      // After the bar, or before it when the bar ends near the durations column.
      const after = left + barWidth + 70 < labelWidth + plot;
      const at = after ? left + barWidth + 6 : left - 6;
      row.append(svg("text", { class: "failure-mark", x: at, y: middle + 4, "text-anchor": after ? "start" : "end" }, "✕ failed"));
    }
    row.append(
      svg("text", { x: width - 4, y: middle + 4, "text-anchor": "end" }, step.open ? `${duration(step.ms / 1000)}+` : duration(step.ms / 1000)),
    );
    chart.append(row);
  }
  container.replaceChildren(chart);
  fitLabels(chart, labelWidth - 12);
}

// A label wider than its column is cut, with an ellipsis, to what fits: a status of any
// length (it is SageMaker's text) never runs off the chart's left edge. Measured once
// drawn, in the page's own font; the bar's tooltip and the table keep the whole status.
function fitLabels(chart, room) {
  for (const label of chart.querySelectorAll(".row-label")) {
    const text = label.textContent;
    if (label.getComputedTextLength() <= room) continue;
    // No glyph is narrower than about 4 pixels: start from what could fit at most.
    let keep = Math.min(text.length - 1, Math.floor(room / 4));
    do {
      label.textContent = `${text.slice(0, keep)}…`;
      keep -= 1;
    } while (keep > 0 && label.getComputedTextLength() > room);
  }
}

// At most `count` ticks: their labels need about 80 pixels each.
function axis(span, x, axisHeight, height, count) {
  const seconds = span / 1000;
  const step = STEPS.find((s) => seconds / s <= count) || Math.ceil(seconds / count / 86400) * 86400;
  const group = svg("g", { class: "axis", "aria-hidden": "true" });
  for (let t = 0; t <= seconds; t += step) {
    const at = x(t * 1000);
    group.append(
      svg("line", { x1: at, x2: at, y1: axisHeight - 4, y2: height }),
      svg("text", { x: at, y: axisHeight - 8, "text-anchor": t === 0 ? "start" : "middle" }, t === 0 ? "0" : `+${duration(t)}`),
    );
  }
  return group;
}
