"""Partial batch responses for an SQS event source.

Powertools' batch utility would do the same, but importing it loads the data classes of
every event source Lambda knows (Kinesis, DynamoDB streams, Kafka, S3, SES, ...): about
250 kB of source that every cold start of the ingest function would load for a loop of a
few lines over SQS messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol, TypedDict


class WarningLogger(Protocol):
    def warning(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class PartialBatchResponse(TypedDict):
    batchItemFailures: list[BatchItemFailure]


class SQSMessage(NamedTuple):
    """What a record handler needs of an SQS record."""

    message_id: str
    body: str

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> SQSMessage:
        return cls(message_id=record["messageId"], body=record["body"])


def process_partial_batch(
    event: Mapping[str, Any],
    record_handler: Callable[[SQSMessage], object],
    logger: WarningLogger,
) -> PartialBatchResponse:
    """Handle each record alone; a record that raises is reported failed, the rest stand.

    A batch of nothing but failures is still reported record by record, never raised:
    raising would make Lambda retry it as one error and hide which records were bad.
    """
    failures: list[BatchItemFailure] = []
    for record in event.get("Records", []):
        message = SQSMessage.of(record)
        try:
            record_handler(message)
        except Exception as error:
            # The handler logs what it knows (a poison event, say); this line names the
            # record SQS will deliver again, whatever the error.
            logger.warning(
                "record failed",
                extra={"message_id": message.message_id, "error": repr(error)[:300]},
            )
            failures.append({"itemIdentifier": message.message_id})
    return {"batchItemFailures": failures}
