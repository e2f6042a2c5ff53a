"""An alert as a custom notification of Amazon Q Developer in chat applications.

The chat bridge (formerly AWS Chatbot) subscribes to the alert topic over HTTPS and
renders what it receives if it is its custom notification event: `version` "1.0",
`source` "custom", `content` (title, description, next steps, in client markdown) and
`metadata`. Every alert of one job carries the same `threadId`, so a job's story (stuck,
interrupted, near its limit, failed) stays in one Slack or Teams thread. The machine
fields of the alert ride along as strings in `additionalContext`, the one place the
schema has for them.

Built from the alert's JSON body (`message._message`), so the chat, the email text and
the queue's JSON never disagree.
"""

from __future__ import annotations

from typing import Any

from jobtracker.alert_kinds import AlertKind

# The chat bridge's schema: both fixed values are required as written.
SCHEMA_VERSION = "1.0"
SOURCE = "custom"
TEXT_TYPE = "client-markdown"
# Kept well under what a chat message shows without folding; the full story is one link
# away, and the text body (email) carries everything.
TITLE_LIMIT = 250
DESCRIPTION_LIMIT = 4000
CONTEXT_VALUE_LIMIT = 1024

_ICONS = {
    AlertKind.FAILED: ":x:",
    AlertKind.MAX_RUNTIME_EXCEEDED: ":hourglass:",
    AlertKind.MAX_WAIT_TIME_EXCEEDED: ":hourglass:",
    AlertKind.INTERRUPTED: ":zap:",
    AlertKind.STOPPED: ":octagonal_sign:",
    AlertKind.COMPLETED: ":white_check_mark:",
    AlertKind.STUCK: ":warning:",
    AlertKind.SPOT_INTERRUPTED: ":zap:",
    AlertKind.NEAR_MAX_RUNTIME: ":alarm_clock:",
    AlertKind.NEAR_MAX_WAIT: ":alarm_clock:",
}

# What to do next, by kind: short, and pointing at what the links open.
_NEXT_STEPS = {
    AlertKind.FAILED: ["Read the failure reason and the job's logs."],
    AlertKind.MAX_RUNTIME_EXCEEDED: [
        "Raise StoppingCondition.MaxRuntimeInSeconds, or checkpoint and resume.",
    ],
    AlertKind.MAX_WAIT_TIME_EXCEEDED: ["Raise MaxWaitTimeInSeconds, or run on demand."],
    AlertKind.STUCK: [
        "Open the job in the console: a capacity wait shows there as its status message.",
        "Check the instance type's quota and availability in the region, or stop the job.",
    ],
    AlertKind.SPOT_INTERRUPTED: [
        "SageMaker starts the job again from its last checkpoint: check that it writes one.",
        "Interrupted again and again: consider another instance type or region, or on demand.",
    ],
    AlertKind.NEAR_MAX_RUNTIME: [
        "SageMaker stops the job at MaxRuntimeInSeconds: make sure it has checkpointed.",
    ],
    AlertKind.NEAR_MAX_WAIT: [
        "SageMaker stops the job at MaxWaitTimeInSeconds: make sure it has checkpointed.",
    ],
}


def thread_id(body: dict[str, Any]) -> str:
    """One thread per job: its identity, the same for every alert of the job."""
    return f"jobtracker/{body['account']}/{body['region']}/{body['training_job_name']}"


def chat_notification(
    kind: AlertKind, body: dict[str, Any], headline: str, facts: list[tuple[str, str]]
) -> dict[str, Any]:
    """The custom notification of this alert: `headline` says what happened in one line,
    `facts` are the text body's labelled values."""
    title = f"{_ICONS.get(kind, ':bell:')} {headline}"
    return {
        "version": SCHEMA_VERSION,
        "source": SOURCE,
        "content": {
            "textType": TEXT_TYPE,
            "title": _cut(title, TITLE_LIMIT),
            "description": _cut(_description(body, facts), DESCRIPTION_LIMIT),
            "nextSteps": _NEXT_STEPS.get(kind, []),
            "keywords": [kind.value, body["training_job_status"], body["account"]],
        },
        "metadata": {
            "threadId": thread_id(body),
            "summary": _cut(headline, TITLE_LIMIT),
            "eventType": kind.value,
            "relatedResources": [arn for arn in [body.get("training_job_arn")] if arn],
            "additionalContext": _context(body),
        },
    }


def _description(body: dict[str, Any], facts: list[tuple[str, str]]) -> str:
    lines = [f"*{label}:* {value}" for label, value in facts]
    if body.get("console_url"):
        lines.append(
            f"[Job in the SageMaker console]({body['console_url']}) · [Logs]({body['logs_url']})"
        )
    return "\n".join(lines)


def _context(body: dict[str, Any]) -> dict[str, str]:
    """The body's scalar fields as strings (the schema's values are strings); absent
    fields are left out rather than sent as "None"."""
    context = {}
    for name, value in body.items():
        if value is None or isinstance(value, (list, dict)):
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        context[name] = _cut(text, CONTEXT_VALUE_LIMIT)
    return context


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
