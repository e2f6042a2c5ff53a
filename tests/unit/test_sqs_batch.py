"""The partial batch response of an SQS batch: each failed record named, none raised."""

from __future__ import annotations

from typing import Any

from jobtracker.sqs_batch import SQSMessage, process_partial_batch

from synthetic.lambda_events import sqs_event


class RecordingLogger:
    def __init__(self) -> None:
        self.warnings: list[dict[str, Any]] = []

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.warnings.append({"msg": msg, **kwargs.get("extra", {})})


def test_only_the_records_that_raise_are_reported_failed() -> None:
    # Given a batch whose second and fourth bodies the handler rejects
    event = sqs_event(["ok", "bad", "ok", "bad"])
    seen: list[SQSMessage] = []

    def handle(message: SQSMessage) -> None:
        seen.append(message)
        if message.body == "bad":
            raise ValueError("rejected")

    logger = RecordingLogger()
    # When the batch is processed
    response = process_partial_batch(event, handle, logger)
    # Then every record was handled, in order, and only the rejected ones are failures
    assert [m.message_id for m in seen] == ["m-0", "m-1", "m-2", "m-3"]
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-3"}]}
    assert [w["message_id"] for w in logger.warnings] == ["m-1", "m-3"]
    assert "rejected" in logger.warnings[0]["error"]


def test_a_batch_that_fails_whole_is_reported_not_raised() -> None:
    event = sqs_event(["a", "b"])

    def handle(message: SQSMessage) -> None:
        raise RuntimeError("throttled")

    response = process_partial_batch(event, handle, RecordingLogger())
    assert len(response["batchItemFailures"]) == 2


def test_an_empty_event_has_no_failures() -> None:
    assert process_partial_batch({"Records": []}, lambda m: None, RecordingLogger()) == {
        "batchItemFailures": []
    }
