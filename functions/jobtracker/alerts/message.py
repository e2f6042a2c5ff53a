"""What an alert says: subject, text body for people, JSON body for machines, the chat
form, attributes.

Built from the normalised record. Every string that comes from the job (failure reason,
tags, statuses) is made safe for SNS and cut to a length, with a marker where it was cut;
the whole publish stays under SNS's 256 KB however long or exotic the inputs are. The
full record stays readable in the API.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from jobtracker.alert_kinds import AlertKind
from jobtracker.alerts.chat import chat_notification
from jobtracker.errors import MalformedEvent
from jobtracker.names import TRAINING_JOB_LOG_GROUP
from jobtracker.record import JobSnapshot
from jobtracker.timestamps import iso_from_ms, to_epoch_ms

SUBJECT_LIMIT = 99  # SNS: "less than 100 characters"
# SNS counts the message and its attributes against 256 KiB; keep a margin for the
# envelope fields SNS adds to what it measures.
PUBLISH_BYTES_LIMIT = 250_000
ATTRIBUTE_VALUE_LIMIT = 256
TRUNCATION_MARKER = " [truncated]"
# Protocols that receive the JSON body; every other one (email) gets the text body.
MACHINE_PROTOCOLS = ("sqs", "lambda")
# Protocols that receive the chat form (alerts/chat.py): the chat bridge subscribes over
# HTTPS, and a webhook relay the same way.
CHAT_PROTOCOLS = ("http", "https")

# SNS accepts XML 1.0 characters only; the others become U+FFFD. They are C0 controls but
# tab, newline and carriage return, surrogates, U+FFFE and U+FFFF: named as the few that
# are refused rather than the many allowed, a class that takes 3 ms to compile.
_NOT_XML_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")
_LINE_BREAKS = re.compile(r"[\t\n\r]+")
_CONSOLE_DOMAINS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


class Limits(NamedTuple):
    """How much of each free-text input a message keeps; tightened until it fits."""

    failure_reason: int
    tags: int
    tag_key: int
    tag_value: int
    text: int


# The first is generous (SageMaker's own maxima); the last always fits.
LIMITS = (
    Limits(failure_reason=4096, tags=50, tag_key=128, tag_value=256, text=1024),
    Limits(failure_reason=1024, tags=50, tag_key=64, tag_value=64, text=256),
    Limits(failure_reason=256, tags=10, tag_key=32, tag_value=32, text=128),
    Limits(failure_reason=128, tags=0, tag_key=0, tag_value=0, text=128),
)


class AlertContext(NamedTuple):
    """What an alert about a job still in flight says beyond the job itself.

    `episode` names what the alert is about (docs/alerts.md, "Once per episode"); the
    times are when the trouble began, how long it has lasted and the limits it passed.
    """

    episode: str
    since_ms: int
    for_seconds: int | None = None
    threshold_seconds: int | None = None
    limit_seconds: int | None = None
    interruption_number: int | None = None
    interruption_ordinal: str | None = None


class AlertMessage(NamedTuple):
    kind: AlertKind
    subject: str
    text: str
    body: dict[str, Any]
    attributes: dict[str, str]
    # The chat bridge's custom notification (alerts/chat.py).
    chat: dict[str, Any]

    def sns_message(self) -> str:
        """The `Message` of a `MessageStructure=json` publish."""
        machine = json.dumps(self.body, ensure_ascii=False, separators=(",", ":"))
        chat = json.dumps(self.chat, ensure_ascii=False, separators=(",", ":"))
        document = {
            "default": self.text,
            **dict.fromkeys(MACHINE_PROTOCOLS, machine),
            **dict.fromkeys(CHAT_PROTOCOLS, chat),
        }
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))

    def sns_attributes(self) -> dict[str, dict[str, str]]:
        return {
            name: {"DataType": "String", "StringValue": value}
            for name, value in self.attributes.items()
        }

    def publish_bytes(self) -> int:
        """What SNS counts against its message limit: message, subject and attributes."""
        size = len(self.sns_message().encode()) + len(self.subject.encode())
        for name, value in self.attributes.items():
            size += len(name.encode()) + len(b"String") + len(value.encode())
        return size


def build_alert(
    snapshot: JobSnapshot,
    kind: AlertKind,
    region: str | None = None,
    context: AlertContext | None = None,
) -> AlertMessage:
    """The alert for this job's outcome; `region` is used when the job's ARN has none.

    `context`: for an alert about a job in flight (stuck, interrupted, near a limit).
    """
    for limits in LIMITS[:-1]:
        message = _message(snapshot, kind, region, limits, context)
        if message.publish_bytes() <= PUBLISH_BYTES_LIMIT:
            return message
    # The last limits leave a few tens of KB at most, whatever the job holds.
    return _message(snapshot, kind, region, LIMITS[-1], context)


def subject_for(name: str, kind: AlertKind) -> str:
    """`SageMaker training job <name>: <kind>`, printable ASCII, under 100 characters."""
    prefix, suffix = "SageMaker training job ", f": {kind.value}"
    safe_name = _NOT_PRINTABLE_ASCII.sub("?", name)
    room = SUBJECT_LIMIT - len(prefix) - len(suffix)
    if len(safe_name) > room:
        safe_name = safe_name[: room - 3] + "..."
    return prefix + safe_name + suffix


def console_url(name: str, region: str, partition: str = "aws") -> str:
    domain = _CONSOLE_DOMAINS.get(partition, _CONSOLE_DOMAINS["aws"])
    return f"https://{region}.{domain}/sagemaker/home?region={region}#/jobs/{name}"


def logs_url(name: str, region: str, partition: str = "aws") -> str:
    """The job's log streams: the CloudWatch console's fragment escapes `/` `?` `=` as $.."""
    domain = _CONSOLE_DOMAINS.get(partition, _CONSOLE_DOMAINS["aws"])
    group = TRAINING_JOB_LOG_GROUP.replace("/", "$252F")
    return (
        f"https://{region}.{domain}/cloudwatch/home?region={region}"
        f"#logsV2:log-groups/log-group/{group}$3FlogStreamNameFilter$3D{name}"
    )


class _Clipper:
    """Makes the job's strings safe and short, and remembers which fields it cut."""

    def __init__(self) -> None:
        self.cut: list[str] = []

    def text(self, field: str, value: object, limit: int) -> str | None:
        if not isinstance(value, str) or not value:
            return None
        safe, cut = _clip(value, limit)
        if cut:
            self.mark(field)
        return safe

    def mark(self, field: str) -> None:
        if field not in self.cut:
            self.cut.append(field)

    def tags(self, raw: object, limits: Limits) -> list[dict[str, str]]:
        tags = [tag for tag in raw if isinstance(tag, dict)] if isinstance(raw, list) else []
        if len(tags) > limits.tags:
            self.mark("tags")
        return [
            {
                "key": self.text("tags", tag.get("key"), limits.tag_key) or "",
                "value": self.text("tags", tag.get("value"), limits.tag_value) or "",
            }
            for tag in tags[: limits.tags]
        ]


def _message(
    snapshot: JobSnapshot,
    kind: AlertKind,
    default_region: str | None,
    limits: Limits,
    context: AlertContext | None = None,
) -> AlertMessage:
    record = snapshot.record
    clip = _Clipper()
    resources = record.get("resource_config")
    resources = resources if isinstance(resources, dict) else {}
    partition, _ = _partition_and_region(record.get("training_job_arn"))
    # The job's own region (its identity), which the default only stands in for if empty.
    region = snapshot.region or default_region
    creation = _time(record.get("creation_time"))
    start = _time(record.get("training_start_time"))
    end = _time(record.get("training_end_time"))
    last_modified = _time(record.get("last_modified_time"))
    body: dict[str, Any] = {
        "training_job_name": snapshot.name,
        "account": snapshot.account,
        "training_job_arn": clip.text(
            "training_job_arn", record.get("training_job_arn"), limits.text
        ),
        "alert_kind": kind.value,
        "training_job_status": snapshot.status,
        "secondary_status": clip.text("secondary_status", snapshot.secondary_status, limits.text),
        "failure_reason": clip.text(
            "failure_reason", record.get("failure_reason"), limits.failure_reason
        ),
        "status_message": clip.text("status_message", _last_status_message(snapshot), limits.text),
        "creation_time": creation,
        "training_start_time": start,
        "training_end_time": end,
        "last_modified_time": last_modified,
        "duration_in_seconds": _seconds_between(start or creation, end or last_modified),
        "billable_time_in_seconds": _number(record.get("billable_time_in_seconds")),
        "training_time_in_seconds": _number(record.get("training_time_in_seconds")),
        "instance_type": clip.text("instance_type", resources.get("instance_type"), limits.text),
        "instance_count": _number(resources.get("instance_count")),
        "managed_spot_training": record.get("enable_managed_spot_training") is True,
        "tags": clip.tags(record.get("tags"), limits),
        "region": region,
        "console_url": console_url(snapshot.name, region, partition) if region else None,
        "logs_url": logs_url(snapshot.name, region, partition) if region else None,
        "truncated": clip.cut,
        **_context_fields(snapshot, context),
    }
    return AlertMessage(
        kind=kind,
        subject=subject_for(snapshot.name, kind),
        text=text_body(body),
        body=body,
        attributes=_attributes(body),
        chat=chat_notification(kind, body, headline(body), facts(body)),
    )


def _context_fields(snapshot: JobSnapshot, context: AlertContext | None) -> dict[str, Any]:
    """The body's fields about the job's current status and what the alert is about;
    null where the alert is not about a job in flight."""
    since_ms = (
        context.since_ms
        if context is not None
        else (snapshot.transitions[-1].start_ms if snapshot.transitions else None)
    )
    return {
        "status_since": None if since_ms is None else iso_from_ms(since_ms),
        "episode": None if context is None else context.episode,
        "for_seconds": None if context is None else context.for_seconds,
        "threshold_seconds": None if context is None else context.threshold_seconds,
        "limit_seconds": None if context is None else context.limit_seconds,
        "interruption_number": None if context is None else context.interruption_number,
        "interruption_ordinal": None if context is None else context.interruption_ordinal,
    }


def headline(body: dict[str, Any]) -> str:
    """One line that says what happened, the chat's title and the text's first line."""
    name, kind = body["training_job_name"], body["alert_kind"]
    status = body["secondary_status"] or body["training_job_status"]
    lasted = _short_duration(body["for_seconds"])
    if kind == AlertKind.STUCK.value and lasted:
        return f"SageMaker training job {name} stuck in {status} for {lasted}"
    near = {
        AlertKind.NEAR_MAX_RUNTIME.value: "MaxRuntime",
        AlertKind.NEAR_MAX_WAIT.value: "MaxWaitTime",
    }
    if kind in near and lasted and body["limit_seconds"]:
        limit = near[kind]
        share = 100 * body["for_seconds"] // body["limit_seconds"]
        return (
            f"SageMaker training job {name} at {share}% of its {limit} "
            f"({lasted} of {_short_duration(body['limit_seconds'])})"
        )
    if kind == AlertKind.SPOT_INTERRUPTED.value and body["interruption_ordinal"]:
        ordinal = body["interruption_ordinal"]
        return f"SageMaker training job {name}: spot capacity lost ({ordinal} interruption)"
    return f"SageMaker training job {name}: {kind}"


def _attributes(body: dict[str, Any]) -> dict[str, str]:
    """Filterable attributes; SNS rejects empty values, so absent ones are left out."""
    attributes = {}
    for name in ("alert_kind", "training_job_status", "secondary_status"):
        value = body.get(name)
        if isinstance(value, str):
            line = _LINE_BREAKS.sub(" ", value).strip()[:ATTRIBUTE_VALUE_LIMIT]
            if line:
                attributes[name] = line
    return attributes


def facts(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The alert's facts for people, label and value, in reading order (text and chat)."""
    status = body["training_job_status"]
    if body["secondary_status"] and body["secondary_status"] != status:
        status = f"{status} ({body['secondary_status']})"
    instances = None
    if body["instance_type"]:
        count = body["instance_count"]
        instances = f"{count} x {body['instance_type']}" if count else body["instance_type"]
    tags = ", ".join(f"{tag['key']}={tag['value']}" for tag in body["tags"])
    rows = [
        ("Account", f"{body['account']} ({body['region']})"),
        ("Status", status),
        ("In this status since", body["status_since"] if body["episode"] else None),
        ("For", _duration_text(body["for_seconds"])),
        ("Threshold", _duration_text(body["threshold_seconds"])),
        ("Limit", _duration_text(body["limit_seconds"])),
        ("Interruption", body["interruption_ordinal"]),
        ("Failure reason", body["failure_reason"]),
        ("Last message", body["status_message"]),
        ("Created", body["creation_time"]),
        ("Training started", body["training_start_time"]),
        # A job in flight has not ended: its last change is what is known.
        (
            "Last change" if body["episode"] else "Ended",
            body["training_end_time"] or body["last_modified_time"],
        ),
        ("Duration", _duration_text(body["duration_in_seconds"])),
        ("Billable time", _duration_text(body["billable_time_in_seconds"])),
        ("Instances", instances),
        ("Managed spot", "yes" if body["managed_spot_training"] else None),
        ("Tags", tags or None),
        ("ARN", body["training_job_arn"]),
    ]
    return [(label, str(value)) for label, value in rows if value not in (None, "")]


def text_body(body: dict[str, Any]) -> str:
    """The text for people, from the JSON body (so a queue subscriber can show it too)."""
    name = body["training_job_name"]
    lines = [headline(body), ""]
    # Continuation lines of a multi-line value (a failure reason) are indented under it.
    lines += [f"{label}: " + value.replace("\n", "\n  ") for label, value in facts(body)]
    if body["console_url"]:
        lines += ["", f"Job in the SageMaker console: {body['console_url']}"]
        lines += [f"Logs ({TRAINING_JOB_LOG_GROUP}, streams {name}/*): {body['logs_url']}"]
    if body["truncated"]:
        lines += ["", f"Shortened here: {', '.join(body['truncated'])} (full record in the API)."]
    return "\n".join(lines) + "\n"


def _clip(value: str, limit: int) -> tuple[str, bool]:
    safe = _NOT_XML_CHARACTER.sub("\ufffd", value)
    if len(safe) <= limit:
        return safe, False
    return safe[: max(limit - len(TRUNCATION_MARKER), 0)] + TRUNCATION_MARKER, True


def _last_status_message(snapshot: JobSnapshot) -> str | None:
    for transition in reversed(snapshot.transitions):
        if transition.status_message:
            return transition.status_message
    return None


def _partition_and_region(arn: object) -> tuple[str, str | None]:
    # arn:<partition>:sagemaker:<region>:<account>:training-job/<name>
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) >= 6 and parts[0] == "arn" and re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", parts[3]):
        return parts[1], parts[3]
    return "aws", None


def _time(value: object) -> str | None:
    """An ISO time of the record, or None if it is not one (never breaks an alert)."""
    if not isinstance(value, str):
        return None
    try:
        to_epoch_ms(value)
    except MalformedEvent:
        return None
    return value


def _seconds_between(start: str | None, end: str | None) -> int | None:
    if start is None or end is None:
        return None
    seconds = (to_epoch_ms(end) - to_epoch_ms(start)) // 1000
    return seconds if seconds >= 0 else None


def _number(value: object) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _duration_text(seconds: int | float | None) -> str | None:
    if seconds is None:
        return None
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if hours or minutes else []
    parts.append(f"{secs}s")
    return f"{' '.join(parts)} ({whole} s)"


def _short_duration(seconds: int | float | None) -> str | None:
    """`1h 5m`, `45m`, `30s`: for a headline."""
    if seconds is None:
        return None
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else f"{secs}s"
