"""jobtracker jobs | job NAME | stats: the API from a terminal, as tables or as JSON."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO
from urllib.parse import quote

from jobtracker_cli.client import ApiClient, ApiError, default_api_url
from jobtracker_cli.redrive import add_redrive_command, run_redrive
from jobtracker_cli.ui import add_ui_command, run_ui

# The API's statuses (jobtracker.names.STATUSES), which this command, installed on its
# own, does not ship: tests/unit/test_one_source.py holds the two equal. In the order its
# help has always listed them.
STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")
_SINCE = re.compile(r"^([0-9]+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
PAGE_LIMIT = 100
# What `stats --by` groups by besides tags (the API's group_by dimensions).
GROUP_DIMENSIONS = ("account", "region", "instance_type")
WATCH_SECONDS = 5.0
# The job's pages in the AWS consoles, as its alert links them (jobtracker.alerts.message,
# which this command, installed on its own, does not ship).
_CONSOLE_DOMAINS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"


def parse_status(text: str) -> str:
    """`failed`, `FAILED`, `Failed` -> `Failed`: the API's spelling, whatever the case."""
    canonical = {status.lower(): status for status in STATUSES}.get(text.strip().lower())
    if canonical is None:
        raise argparse.ArgumentTypeError(f"{text!r}: use one of {', '.join(STATUSES)}")
    return canonical


def parse_moment(text: str, now: datetime | None = None) -> str:
    """`--since`/`--until`: a duration back from now (`7d`), or an ISO 8601 date or time
    (passed on as it is: the API reads a date alone as the whole UTC day)."""
    if _SINCE.match(text.strip()):
        return parse_since(text, now)
    try:
        datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: use a duration back from now (30m, 12h, 7d, 2w) or an ISO 8601 date "
            "or time (2026-11-01, 2026-11-01T12:00Z)"
        ) from None
    return text.strip()


def parse_since(text: str, now: datetime | None = None) -> str:
    """`7d`, `12h`, `30m`, `2w` -> the ISO instant that long ago."""
    match = _SINCE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: use a number and s, m, h, d or w, e.g. 7d")
    moment = (now or datetime.now(UTC)) - timedelta(**{_UNITS[match[2]]: int(match[1])})
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_since_days(text: str, now: datetime | None = None) -> str:
    """For /stats, whose windows are whole UTC days: `30d` is today and the 29 days before
    (the API's own default), not 30 x 24 hours rounded down to a 31st day."""
    match = _SINCE.match(text.strip())
    if not match or match[2] not in "dw":
        raise argparse.ArgumentTypeError(f"{text!r}: use whole days or weeks, e.g. 30d, 4w")
    days = int(match[1]) * (7 if match[2] == "w" else 1)
    if days < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: at least one day")
    return ((now or datetime.now(UTC)).date() - timedelta(days=days - 1)).isoformat()


def parse_group_by(text: str) -> str:
    """`team` -> `tag:team`; account, region, instance_type and `tag:<key>` as they are."""
    name = text.strip()
    if not name:
        raise argparse.ArgumentTypeError("--by needs a dimension or a tag key")
    return name if name in GROUP_DIMENSIONS or name.startswith("tag:") else f"tag:{name}"


def fetch_jobs(client: ApiClient, filters: dict[str, str], limit: int) -> dict[str, Any]:
    """Up to `limit` jobs, following next_token; the token to continue, if any."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        params = {**filters, "limit": str(min(PAGE_LIMIT, limit - len(items)))}
        if token:
            params["next_token"] = token
        page = client.get("/jobs", params)
        items.extend(page["items"])
        token = page["next_token"]
        if token is None or len(items) >= limit:
            return {"items": items, "next_token": token}


def render_table(rows: Sequence[Sequence[str]], out: TextIO) -> None:
    out.write("".join(f"{line}\n" for line in _aligned(rows)))


def _aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def one_line(text: str | None, width: int | None = None) -> str:
    """Failure reasons and messages span lines; a table row must not."""
    flat = " ".join((text or "").split())
    return flat if width is None or len(flat) <= width else flat[: width - 3] + "..."


def short_time(iso: str | None) -> str:
    return "-" if not iso else iso[:19].replace("T", " ")


def attention_text(entries: Sequence[dict[str, Any]] | None) -> str:
    """`Stuck in Starting 45m00s (over 30m00s)`, one per trouble, `; `-joined."""
    parts = []
    for entry in entries or []:
        lasted, threshold = (
            duration(entry.get("for_seconds")),
            duration(entry.get("threshold_seconds")),
        )
        if entry.get("kind") == "Stuck":
            parts.append(f"Stuck in {entry.get('secondary_status')} {lasted} (over {threshold})")
        else:
            limit = duration(entry.get("limit_seconds"))
            parts.append(f"{entry.get('kind')} {lasted} of {limit} (over {threshold})")
    return "; ".join(parts)


def print_jobs(listing: dict[str, Any], out: TextIO) -> None:
    # The column shows only when a job needs attention: the usual listing stays as it was.
    troubled = any(job.get("attention") for job in listing["items"])
    rows = [
        (
            "NAME",
            "ACCOUNT",
            "REGION",
            "STATUS",
            "SECONDARY",
            "CREATED (UTC)",
            "BILLABLE",
            "COST",
            "INSTANCE",
            *(("ATTENTION",) if troubled else ()),
            "FAILURE",
        )
    ]
    pending = 0
    for job in listing["items"]:
        status = job["training_job_status"]
        if job.get("enrichment_pending"):
            pending += 1
            status += "*"
        instance = job.get("instance_type") or "-"
        if job.get("instance_count"):
            instance = f"{job['instance_count']}x {instance}"
        rows.append(
            (
                job["training_job_name"],
                job.get("account") or "-",
                job.get("region") or "-",
                status,
                job.get("secondary_status") or "-",
                short_time(job.get("creation_time")),
                duration(job.get("billable_time_in_seconds")),
                # "~": a running job's cost so far (its summary carries its hourly rate)
                ("~" if job.get("cost_usd_per_hour") is not None else "")
                + usd(job.get("cost_usd")),
                instance,
                *((attention_text(job.get("attention")) or "-",) if troubled else ()),
                one_line(job.get("failure_reason"), 60),
            )
        )
    render_table(rows, out)
    more = " (more: raise --limit)" if listing.get("next_token") else ""
    out.write(f"{len(listing['items'])} job(s){more}\n")
    if pending:
        out.write(f"* {PENDING_NOTE}\n")


def usd(amount: object) -> str:
    """Dollars to the cent ("-" for none); under a cent, to a tenth of one."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        return "-"
    return f"${amount:,.2f}" if amount == 0 or amount >= 0.01 else f"${amount:.4f}"


def _cost_lines(job: dict[str, Any]) -> list[tuple[str, str]]:
    """What the job cost, what the figure includes, and where its prices came from."""
    if job.get("cost_usd") is None:
        return [("cost", f"- ({job.get('cost_reason') or 'not priced'})")]
    cost = usd(job["cost_usd"])
    if job.get("cost_is_estimate"):
        cost += f" so far (running; {usd(job.get('cost_usd_per_hour'))}/h)"
    lines = [("cost", cost)]
    if job.get("warm_pool_cost_usd"):
        lines.append(("warm pool", f"{usd(job['warm_pool_cost_usd'])} (included)"))
    if job.get("spot_savings_usd") is not None:
        lines.append(("spot saved", usd(job["spot_savings_usd"])))
    prices = job.get("price_usd_per_hour") or {}
    per_type = ", ".join(f"{kind} {usd(price)}/h" for kind, price in sorted(prices.items()))
    lines.append(("prices", f"{per_type or '-'} ({job.get('price_source') or '-'})"))
    return lines


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


PENDING_NOTE = (
    "enrichment pending: ended, but DescribeTrainingJob has not completed the record yet "
    "(billable time, metrics, artifacts); the reconciler will"
)


def print_job(job: dict[str, Any], transitions: list[dict[str, Any]], out: TextIO) -> None:
    resources = job.get("resource_config") or {}
    artifacts = job.get("model_artifacts") or {}
    fields = [
        ("name", job.get("training_job_name")),
        ("account", f"{job.get('account') or '-'} ({job.get('region') or '-'})"),
        ("status", f"{job.get('training_job_status')} / {job.get('secondary_status') or '-'}"),
        ("created", short_time(job.get("creation_time"))),
        ("started", short_time(job.get("training_start_time"))),
        ("ended", short_time(job.get("training_end_time"))),
        ("instance", f"{resources.get('instance_count', '-')}x {resources.get('instance_type')}"),
        ("billable", duration(job.get("billable_time_in_seconds"))),
        ("training", duration(job.get("training_time_in_seconds"))),
        ("spot", "yes" if job.get("enable_managed_spot_training") else "no"),
        *_cost_lines(job),
        ("tuning job", job.get("tuning_job_arn") or "-"),
        ("failure", one_line(job.get("failure_reason")) or "-"),
        ("model", artifacts.get("s3_model_artifacts") or "-"),
    ]
    if job.get("enrichment_pending"):
        fields.append(("pending", PENDING_NOTE))
    for label, value in [*fields, *_links(job)]:
        out.write(f"{label:>11}: {value}\n")
    _print_pairs("final metrics", _metrics(job), out)
    _print_pairs("hyperparameters", sorted((job.get("hyper_parameters") or {}).items()), out)
    tags = [(tag.get("key", ""), tag.get("value", "")) for tag in job.get("tags") or []]
    _print_pairs("tags", sorted(tags), out)
    out.write("\ntimeline\n")
    if not transitions:
        out.write("  (no transitions)\n")
        return
    origin = _epoch(transitions[0]["start_time"])
    rows = []
    for step in transitions:
        start = _epoch(step["start_time"])
        took = duration(_epoch(step["end_time"]) - start) if step.get("end_time") else "(current)"
        rows.append(
            (
                short_time(step["start_time"]),
                f"+{duration(start - origin)}",
                step["status"],
                took,
                one_line(step.get("status_message"), 100),
            )
        )
    out.write("".join(f"  {line}\n" for line in _aligned(rows)))


def _metrics(job: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (str(metric.get("metric_name")), f"{metric.get('value')}")
        for metric in job.get("final_metric_data_list") or []
    ]


def _print_pairs(title: str, pairs: Sequence[tuple[str, str]], out: TextIO) -> None:
    out.write(f"\n{title}\n")
    if not pairs:
        out.write("  (none)\n")
        return
    width = max(len(name) for name, _ in pairs)
    out.write("".join(f"  {name.ljust(width)}  {one_line(value)}\n" for name, value in pairs))


def _links(job: dict[str, Any]) -> list[tuple[str, str]]:
    """The console and logs links, when the ARN says the partition and region."""
    parts = str(job.get("training_job_arn") or "").split(":")
    if len(parts) < 6 or parts[0] != "arn" or not parts[3]:
        return []
    partition, region, name = parts[1], parts[3], quote(str(job["training_job_name"]), safe="")
    domain = _CONSOLE_DOMAINS.get(partition, _CONSOLE_DOMAINS["aws"])
    group = TRAINING_LOG_GROUP.replace("/", "$252F")
    return [
        ("console", f"https://{region}.{domain}/sagemaker/home?region={region}#/jobs/{name}"),
        (
            "logs",
            f"https://{region}.{domain}/cloudwatch/home?region={region}"
            f"#logsV2:log-groups/log-group/{group}$3FlogStreamNameFilter$3D{name}",
        ),
    ]


def print_stats(stats: dict[str, Any], out: TextIO) -> None:
    scope = f"account {stats['account']}" if stats.get("account") else "all accounts"
    out.write(
        f"jobs created {short_time(stats['created_after'])} .. "
        f"{short_time(stats['created_before'])} (UTC, whole days), {scope}\n"
    )
    rows = [("STATUS", "JOBS")] + [(k, str(v)) for k, v in stats["counts"].items()]
    rows.append(("total", str(sum(stats["counts"].values()))))
    render_table(rows, out)
    savings = stats.get("spot_savings_percent")
    out.write(f"billable time:  {duration(stats['billable_time_in_seconds'])}\n")
    out.write(f"training time:  {duration(stats['training_time_in_seconds'])}\n")
    out.write(f"spot savings:   {'-' if savings is None else f'{savings}%'}\n")
    unpriced = stats.get("unpriced_jobs") or 0
    left_out = f" ({unpriced} ended job(s) without a price left out)" if unpriced else ""
    out.write(f"cost:           {usd(stats.get('cost_usd'))}{left_out}\n")
    if stats.get("groups") is not None:
        _print_groups(stats, out)


def _print_groups(stats: dict[str, Any], out: TextIO) -> None:
    """Who spent it: one row per group, highest cost first, with its share of the total."""
    total = stats.get("cost_usd") or 0
    out.write(f"\nby {stats['group_by']}\n")
    rows = [("GROUP", "JOBS", "COMPLETED", "FAILED", "BILLABLE", "COST", "SHARE")]
    for group in stats["groups"]:
        share = f"{100 * group['cost_usd'] / total:.1f}%" if total else "-"
        rows.append(
            (
                "(none)" if group["key"] is None else str(group["key"]),
                str(group["jobs"]),
                str(group["counts"].get("Completed", 0)),
                str(group["counts"].get("Failed", 0)),
                duration(group["billable_time_in_seconds"]),
                usd(group["cost_usd"]),
                share,
            )
        )
    render_table(rows, out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jobtracker", description=__doc__)
    parser.add_argument(
        "--api-url",
        default=os.environ.get("JOBTRACKER_API_URL") or default_api_url(),
        help="API endpoint (env JOBTRACKER_API_URL; default: the local stack, %(default)s)",
    )
    parser.add_argument("--region", help="region to sign for (default: from the URL or env)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    # --json also after the command; SUPPRESS keeps a subcommand from resetting it.
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    jobs = commands.add_parser("jobs", help="list jobs, newest first", parents=[json_flag])
    jobs.add_argument("--status", type=parse_status, help=f"{', '.join(STATUSES)} (any case)")
    jobs.add_argument(
        "--since", type=parse_moment, help="created since: 7d, 12h (ago) or an ISO date/time"
    )
    jobs.add_argument(
        "--until", type=parse_moment, help="created until: 1d (ago) or an ISO date/time"
    )
    jobs.add_argument("--tuning-job", help="tuning job ARN")
    jobs.add_argument("--name-prefix")
    # dest job_*: the top-level --region is the region requests are signed for.
    jobs.add_argument("--account", dest="job_account", help="jobs of this account")
    jobs.add_argument("--region", dest="job_region", help="jobs of this region (with --account)")
    jobs.add_argument(
        "--attention",
        action="store_true",
        help="only jobs in trouble now: stuck, or near their MaxRuntime or MaxWaitTime",
    )
    jobs.add_argument("--limit", type=int, default=50, help="how many jobs (default 50)")
    jobs.add_argument(
        "--watch",
        type=float,
        nargs="?",
        const=WATCH_SECONDS,
        metavar="SECONDS",
        help=f"list again every SECONDS (default {WATCH_SECONDS:g}) until Ctrl-C",
    )
    job = commands.add_parser("job", help="one job and its timeline", parents=[json_flag])
    job.add_argument("name")
    job.add_argument(
        "--account", dest="job_account", help="the job's account (default: the tracker's)"
    )
    job.add_argument(
        "--region", dest="job_region", help="the job's region (default: the tracker's)"
    )
    stats = commands.add_parser(
        "stats", help="counts, time, spot savings and cost", parents=[json_flag]
    )
    stats.add_argument(
        "--since", type=parse_since_days, help="whole days, e.g. 7d, 4w (default 30d)"
    )
    stats.add_argument("--account", help="one account's jobs (default: all accounts)")
    stats.add_argument(
        "--by",
        type=parse_group_by,
        help="cost by group: account, region, instance_type, or a cost tag (team, project, "
        "or tag:<key>)",
    )
    add_redrive_command(commands)
    add_ui_command(commands)
    return parser


def run(
    argv: Sequence[str] | None = None,
    out: TextIO = sys.stdout,
    client_for: Callable[[str, str | None], ApiClient] = ApiClient.for_url,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "redrive":  # talks to SQS, not to the API
        return run_redrive(args, out)
    client = client_for(args.api_url, args.region)
    if args.command == "ui":
        return run_ui(args, client, out)
    try:
        if args.command == "jobs":
            if args.limit < 1:
                raise ApiError(0, "--limit must be at least 1")
            filters = {
                "account": args.job_account,
                "region": args.job_region,
                "status": args.status,
                "created_after": args.since,
                "created_before": args.until,
                "tuning_job_arn": args.tuning_job,
                "name_prefix": args.name_prefix,
                "attention": "true" if args.attention else None,
            }
            wanted = {k: v for k, v in filters.items() if v}
            if args.watch is not None:
                return _watch(client, wanted, args, out, sleep)
            _emit(fetch_jobs(client, wanted, args.limit), print_jobs, args.json, out)
        elif args.command == "job":
            path = f"/jobs/{quote(args.name, safe='')}"
            place = {"account": args.job_account, "region": args.job_region}
            place = {k: v for k, v in place.items() if v}
            record = client.get(path, place)
            transitions = client.get(f"{path}/transitions", place)["items"]
            if args.json:
                out.write(json.dumps({"job": record, "transitions": transitions}, indent=2) + "\n")
            else:
                print_job(record, transitions, out)
        else:
            params = {"created_after": args.since, "account": args.account, "group_by": args.by}
            params = {k: v for k, v in params.items() if v}
            _emit(client.get("/stats", params), print_stats, args.json, out)
    except ApiError as error:
        sys.stderr.write(f"jobtracker: {error}\n")
        return 1
    return 0


def _watch(
    client: ApiClient,
    filters: dict[str, str],
    args: argparse.Namespace,
    out: TextIO,
    sleep: Callable[[float], None],
) -> int:
    """The listing again every `--watch` seconds, on a cleared screen, until Ctrl-C."""
    if args.watch <= 0:
        raise ApiError(0, "--watch takes a positive number of seconds")
    clear = "\x1b[H\x1b[2J" if out.isatty() else ""
    try:
        while True:
            listing = fetch_jobs(client, filters, args.limit)
            if not args.json:  # with --json, each listing is one JSON document
                stamp = datetime.now(UTC).strftime("%H:%M:%S")
                out.write(f"{clear}every {args.watch:g} s, {stamp} UTC (Ctrl-C stops)\n")
            _emit(listing, print_jobs, args.json, out)
            out.flush()
            sleep(args.watch)
    except KeyboardInterrupt:
        return 0


def _emit(
    document: Any, printer: Callable[[Any, TextIO], None], as_json: bool, out: TextIO
) -> None:
    if as_json:
        out.write(json.dumps(document, indent=2) + "\n")
    else:
        printer(document, out)


def main() -> None:
    sys.exit(run())
