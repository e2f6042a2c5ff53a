"""Print the alerts published on the topic, through an SQS queue subscribed to it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jobtracker.alert_kinds import BUDGET_THRESHOLD
from jobtracker.alerts.message import text_body

from local.polling import PollingThread


def alert_lines(body: str) -> list[str]:
    """The subject and text of the SNS notification that SQS delivered."""
    try:
        notification = json.loads(body)
    except ValueError:
        return [f"ALERT (raw) {body}"]
    subject = notification.get("Subject") or "(no subject)"
    message = _text(str(notification.get("Message", "")))
    attributes = notification.get("MessageAttributes") or {}
    kind = (attributes.get("alert_kind") or {}).get("Value")
    head = f"ALERT [{kind}] {subject}" if kind else f"ALERT {subject}"
    return [head, *(f"  {line}" for line in message.splitlines())]


def _text(message: str) -> str:
    """A queue receives the alert's JSON body: print the text an email reader would get."""
    try:
        body = json.loads(message)
        if isinstance(body, dict) and body.get("alert_kind") == BUDGET_THRESHOLD:
            return (
                f"{body['group']}: ${body['month_to_date_usd']:,.2f} of ${body['budget_usd']:,.2f} "
                f"in {body['month']} ({body['percent_used']}%)"
            )
        return text_body(body)
    except (ValueError, TypeError, KeyError, AttributeError):
        return message


class AlertPrinter(PollingThread):
    thread_name = "alert-printer"

    def __init__(self, sqs: Any, queue_url: str, say: Callable[[str], None]) -> None:
        super().__init__()
        self.sqs = sqs
        self.queue_url = queue_url
        self.say = say
        # While the demo replays, only the subject line of each alert.
        self.compact = False

    def poll_once(self) -> None:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        for message in response.get("Messages", []):
            lines = alert_lines(message["Body"])
            for line in lines[:1] if self.compact else lines:
                self.say(line)
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
