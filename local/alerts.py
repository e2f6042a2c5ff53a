"""Print the alerts published on the topic, through an SQS queue subscribed to it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any


def alert_lines(body: str) -> list[str]:
    """The subject and text of the SNS notification that SQS delivered."""
    try:
        notification = json.loads(body)
    except ValueError:
        return [f"ALERT (raw) {body}"]
    subject = notification.get("Subject") or "(no subject)"
    message = notification.get("Message", "")
    attributes = notification.get("MessageAttributes") or {}
    kind = (attributes.get("alert_kind") or {}).get("Value")
    head = f"ALERT [{kind}] {subject}" if kind else f"ALERT {subject}"
    return [head, *(f"  {line}" for line in str(message).splitlines())]


class AlertPrinter:
    def __init__(self, sqs: Any, queue_url: str, say: Callable[[str], None]) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.say = say
        # While the demo replays, only the subject line of each alert.
        self.compact = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alert-printer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                response = self.sqs.receive_message(
                    QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                )
            except Exception:
                if self._stop.wait(1):
                    return
                continue
            for message in response.get("Messages", []):
                lines = alert_lines(message["Body"])
                for line in lines[:1] if self.compact else lines:
                    self.say(line)
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
