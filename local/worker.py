"""Drain the ingest queue into the ingest handler the way Lambda's SQS event source does.

Lambda receives up to 10 messages, invokes the function with them as one batch, deletes
the messages that succeeded and leaves those named in `batchItemFailures` (all of them if
the invocation raised). A message left on the queue becomes visible again after the
visibility timeout; once received `maxReceiveCount` times, SQS's redrive policy moves it
to the DLQ. moto applies that redrive itself on ReceiveMessage (checked by the e2e test
of the poison event), so the worker never moves messages by hand.
"""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.polling import PollingThread
from synthetic.lambda_events import LambdaContext

BATCH_SIZE = 10
FUNCTION_NAME = "jobtracker-local-ingest"

Handler = Callable[[dict[str, Any], Any], Any]


def lambda_context(function_name: str, region: str, account: str = "123456789012") -> Any:
    """A fresh context per invocation, as Lambda gives (the request id differs each time)."""
    return LambdaContext(
        function_name=function_name,
        invoked_function_arn=f"arn:aws:lambda:{region}:{account}:function:{function_name}",
        aws_request_id=str(uuid.uuid4()),
    )


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """A Lambda SQS event from ReceiveMessage's messages."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {
                    name: _lambda_message_attribute(value)
                    for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def _lambda_message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    # Lambda spells the attribute fields in camelCase, ReceiveMessage in PascalCase.
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": value.get("BinaryValue"),
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": value.get("BinaryListValues", []),
        "dataType": value["DataType"],
    }


@dataclass(frozen=True)
class BatchResult:
    received: int
    failed_ids: tuple[str, ...]
    error: str | None = None

    @property
    def succeeded(self) -> int:
        return self.received - len(self.failed_ids)

    def summary(self) -> str:
        text = f"ingest: {self.received} message(s), {self.succeeded} ok"
        if self.failed_ids:
            text += f", {len(self.failed_ids)} left for retry / DLQ"
        if self.error:
            text += f" (invocation failed: {self.error})"
        return text


class QueueWorker(PollingThread):
    """Polls the ingest queue on its own thread until stopped."""

    thread_name = "ingest-worker"

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        region: str,
        handler: Handler,
        report: Callable[[BatchResult], None] = lambda result: None,
    ) -> None:
        super().__init__()
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.region = region
        self.handler = handler
        self.report = report

    def poll_once(self) -> None:
        result = self.drain_once(wait_seconds=1)
        if result is not None:
            self.report(result)

    def drain_once(self, wait_seconds: int = 0) -> BatchResult | None:
        """Receive one batch, invoke the handler with it, delete what succeeded."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=BATCH_SIZE,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return None
        event = sqs_event(messages, self.queue_arn, self.region)
        error = None
        try:
            failed = _failed_ids(self.handler(event, lambda_context(FUNCTION_NAME, self.region)))
        except Exception as exc:
            # Lambda retries the whole batch when the invocation fails.
            traceback.print_exc()
            error = f"{type(exc).__name__}: {exc}"
            failed = {message["MessageId"] for message in messages}
        succeeded = [message for message in messages if message["MessageId"] not in failed]
        if succeeded:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(succeeded)
                ],
            )
        failed_ids = tuple(m["MessageId"] for m in messages if m["MessageId"] in failed)
        return BatchResult(received=len(messages), failed_ids=failed_ids, error=error)


def _failed_ids(response: Any) -> set[str]:
    """The messageIds of `batchItemFailures`; Lambda rejects any other response shape.

    Lambda treats a malformed response (not a dict, or an item without a known
    itemIdentifier) as a failure of the whole batch; raising gets the same here.
    """
    if response is None:
        return set()
    if not isinstance(response, dict):
        raise TypeError(f"handler returned {type(response).__name__}, not a dict")
    failures = response.get("batchItemFailures") or []
    ids = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or not identifier:
            raise ValueError(f"batchItemFailures item without an itemIdentifier: {failure!r}")
        ids.add(identifier)
    return ids
