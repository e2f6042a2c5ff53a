"""The local worker feeds the ingest handler as Lambda's SQS event source does."""

from __future__ import annotations

from typing import Any

import pytest

from local.worker import QueueWorker

QUEUE_URL = "http://127.0.0.1:4566/123456789012/jobtracker-local-ingest"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:jobtracker-local-ingest"


class FakeSqs:
    """The three SQS calls the worker makes, over an in-memory list."""

    def __init__(self, bodies: list[str]) -> None:
        self.messages = [
            {
                "MessageId": f"m{i}",
                "ReceiptHandle": f"r{i}",
                "Body": body,
                "MD5OfBody": "0" * 32,
                "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1"},
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "x"}},
            }
            for i, body in enumerate(bodies)
        ]
        self.deleted: list[str] = []
        self.receive_calls: list[dict[str, Any]] = []

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        self.receive_calls.append(kwargs)
        return {"Messages": self.messages[: kwargs["MaxNumberOfMessages"]]}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> None:
        assert QueueUrl == QUEUE_URL
        self.deleted.extend(entry["ReceiptHandle"] for entry in Entries)


def worker(sqs: FakeSqs, handler: Any) -> QueueWorker:
    return QueueWorker(sqs, QUEUE_URL, QUEUE_ARN, "us-east-1", handler)


def test_batch_is_lambda_shaped() -> None:
    sqs = FakeSqs([f'{{"n": {i}}}' for i in range(12)])
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        assert context.function_name and context.aws_request_id
        assert context.get_remaining_time_in_millis() > 0
        return {"batchItemFailures": []}

    result = worker(sqs, handler).drain_once()

    assert result is not None and result.received == 10
    assert sqs.receive_calls[0]["MaxNumberOfMessages"] == 10
    assert sqs.receive_calls[0]["AttributeNames"] == ["All"]
    record = seen[0]["Records"][0]
    assert record == {
        "messageId": "m0",
        "receiptHandle": "r0",
        "body": '{"n": 0}',
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1"},
        "messageAttributes": {
            "kind": {
                "stringValue": "x",
                "binaryValue": None,
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "String",
            }
        },
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


def test_succeeded_messages_are_deleted_and_failures_left() -> None:
    sqs = FakeSqs(["good", "poison", "good", "poison"])

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "poison"]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}

    result = worker(sqs, handler).drain_once()

    assert sqs.deleted == ["r0", "r2"]
    assert result is not None and result.failed_ids == ("m1", "m3")
    assert "2 left for retry / DLQ" in result.summary()


def test_failed_invocation_leaves_the_whole_batch() -> None:
    sqs = FakeSqs(["a", "b"])

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("table is gone")

    result = worker(sqs, handler).drain_once()

    assert sqs.deleted == []
    assert result is not None and result.failed_ids == ("m0", "m1")
    assert result.error == "RuntimeError: table is gone"


@pytest.mark.parametrize(
    "response", [["m0"], {"batchItemFailures": [{"itemIdentifier": ""}]}, "ok"]
)
def test_response_lambda_would_reject_fails_the_whole_batch(response: Any) -> None:
    sqs = FakeSqs(["a", "b"])

    result = worker(sqs, lambda event, context: response).drain_once()

    assert sqs.deleted == []
    assert result is not None and len(result.failed_ids) == 2


def test_empty_queue_invokes_nothing() -> None:
    sqs = FakeSqs([])

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise AssertionError("invoked without messages")

    assert worker(sqs, handler).drain_once() is None
