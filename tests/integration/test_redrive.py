"""jobtracker redrive against SQS (moto): messages move whole, nothing is lost on failure,
and a dead-lettered event is stored once the fault that killed it is gone."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from jobtracker_cli.main import run
from jobtracker_cli.redrive import redrive
from synthetic.events import event_body, lifecycle
from synthetic.expected import TableContents
from synthetic.lambda_events import LambdaContext
from tests.fixtures.faults import Fault, FaultInjector, injecting_faults

MAX_RECEIVE_COUNT = 3


@pytest.fixture
def queues(aws: None) -> dict[str, Any]:
    sqs = boto3.client("sqs")
    dlq_url = sqs.create_queue(QueueName="ingest-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName="ingest",
        Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
            ),
        },
    )["QueueUrl"]
    return {"sqs": sqs, "dlq_url": dlq_url, "queue_url": queue_url}


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultInjector]:
    with injecting_faults(monkeypatch) as injector:
        yield injector


def _send(sqs: Any, url: str, bodies: list[str], attributes: bool = False) -> None:
    for index, body in enumerate(bodies):
        extra: dict[str, Any] = {}
        if attributes:
            extra["MessageAttributes"] = {
                "origin": {"DataType": "String", "StringValue": f"replay-{index}"},
                "blob": {"DataType": "Binary", "BinaryValue": bytes([index, 0, 255])},
                "attempt": {"DataType": "Number", "StringValue": str(index)},
            }
        sqs.send_message(QueueUrl=url, MessageBody=body, **extra)


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=30
    ).get("Messages", []):
        messages.extend(batch)
    return messages


def _depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def test_redrive_moves_every_message_with_its_body_and_attributes(queues: dict) -> None:
    # Given 25 messages in the DLQ, with string, binary and number attributes
    sqs = queues["sqs"]
    bodies = [event_body(lifecycle(f"dead-{i}", "Failed")[-1]) for i in range(25)]
    _send(sqs, queues["dlq_url"], bodies, attributes=True)

    result = redrive(sqs, queues["dlq_url"], queues["queue_url"])

    # Then all are on the ingest queue, unchanged, and the DLQ is empty
    assert (result.moved, result.failed) == (25, [])
    moved = _drain(sqs, queues["queue_url"])
    assert sorted(m["Body"] for m in moved) == sorted(bodies)
    by_origin = {m["MessageAttributes"]["origin"]["StringValue"]: m for m in moved}
    assert by_origin["replay-7"]["MessageAttributes"]["blob"]["BinaryValue"] == bytes([7, 0, 255])
    assert by_origin["replay-7"]["MessageAttributes"]["attempt"] == {
        "DataType": "Number",
        "StringValue": "7",
    }
    assert _depth(sqs, queues["dlq_url"]) == 0


def test_redrive_stops_at_its_limit(queues: dict) -> None:
    sqs = queues["sqs"]
    _send(sqs, queues["dlq_url"], [f"body-{i}" for i in range(13)])

    result = redrive(sqs, queues["dlq_url"], queues["queue_url"], limit=7, visibility_timeout=0)

    assert result.moved == 7
    assert _depth(sqs, queues["queue_url"]) == 7
    assert _depth(sqs, queues["dlq_url"]) == 6


def test_a_failing_send_deletes_nothing_from_the_dlq(queues: dict, faults: FaultInjector) -> None:
    # Given the ingest queue refusing every send (SQS throttling beyond the retries)
    sqs = queues["sqs"]
    _send(sqs, queues["dlq_url"], [f"body-{i}" for i in range(4)])
    faults.add(Fault("sqs", "SendMessageBatch", "ThrottlingException"))

    # When a redrive runs, it fails
    with pytest.raises(ClientError):
        redrive(sqs, queues["dlq_url"], queues["queue_url"])

    # Then every message is still in the DLQ, none on the ingest queue
    assert _depth(sqs, queues["dlq_url"]) == 4
    assert _depth(sqs, queues["queue_url"]) == 0


def _deliver_until_empty(sqs: Any, queue_url: str, handler: Any) -> None:
    """The Lambda event source: receive, invoke, delete what succeeded, until empty."""
    from synthetic.lambda_events import sqs_record

    while messages := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", []):
        event = {
            "Records": [
                dict(sqs_record(m["Body"], m["MessageId"]), receiptHandle=m["ReceiptHandle"])
                for m in messages
            ]
        }
        failed = {f["itemIdentifier"] for f in handler(event, LambdaContext())["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_after_a_fix_redriven_events_are_stored(
    queues: dict, table: str, faults: FaultInjector
) -> None:
    from ingest import handler

    # Given one job's writes failing until the fix: its events end in the DLQ
    sqs = queues["sqs"]
    broken = lifecycle("needs-redrive", "Failed")
    healthy = lifecycle("healthy", "Completed")
    faults.add(
        Fault(
            "dynamodb",
            "UpdateItem",
            "InternalServerError",
            matches=lambda params: (
                params.get("Key", {}).get("pk") == {"S": "JOB#123456789012#us-east-1#needs-redrive"}
            ),
        )
    )
    _send(sqs, queues["queue_url"], [event_body(d) for d in broken + healthy])
    _deliver_until_empty(sqs, queues["queue_url"], handler.handler)
    assert _depth(sqs, queues["dlq_url"]) == len(broken)
    assert "needs-redrive" not in TableContents.of(table).jobs

    # When the fault is fixed and the DLQ redriven through the command
    faults.clear()
    out = io.StringIO()
    code = run(["redrive", "--dlq-url", queues["dlq_url"], "--queue-url", queues["queue_url"]], out)
    _deliver_until_empty(sqs, queues["queue_url"], handler.handler)

    # Then the job is stored at its last state and both queues are empty
    assert code == 0 and f"moved {len(broken)} message(s)" in out.getvalue()
    job = TableContents.of(table).jobs.get("needs-redrive")
    assert job is not None and job["training_job_status"] == "Failed"
    assert _depth(sqs, queues["dlq_url"]) == _depth(sqs, queues["queue_url"]) == 0


def test_the_command_finds_the_queues_in_the_stack_outputs(queues: dict) -> None:
    # Given a deployed stack whose outputs name the queues
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {
            "IngestQueueUrl": {"Value": queues["queue_url"]},
            "IngestDeadLetterQueueUrl": {"Value": queues["dlq_url"]},
        },
    }
    boto3.client("cloudformation").create_stack(
        StackName="JobTracker", TemplateBody=json.dumps(template)
    )
    _send(queues["sqs"], queues["dlq_url"], ["one", "two"])

    out = io.StringIO()
    code = run(["redrive", "--stack", "JobTracker"], out)

    assert code == 0
    assert "moved 2 message(s)" in out.getvalue()
    assert _depth(queues["sqs"], queues["queue_url"]) == 2


def test_the_command_says_what_went_wrong_instead_of_a_traceback(
    queues: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["redrive", "--dlq-url", queues["dlq_url"] + "-gone", "--queue-url", "q"])

    assert code == 1
    assert "jobtracker redrive:" in capsys.readouterr().err


def test_without_queues_the_command_redrives_the_local_stack() -> None:
    from local.emulator import DLQ_NAME, QUEUE_NAME, client
    from tests.fixtures.emulator import emulator

    # Given the local stack's queues on an emulator, two messages in the DLQ
    with emulator() as endpoint_url:
        sqs = client("sqs", endpoint_url)
        dlq_url = sqs.create_queue(QueueName=DLQ_NAME)["QueueUrl"]
        queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
        _send(sqs, dlq_url, ["one", "two"])

        # When the command runs with nothing but the emulator's address
        out = io.StringIO()
        code = run(["redrive", "--endpoint-url", endpoint_url], out)

        # Then it found the local queues by name and moved both messages
        assert code == 0 and "moved 2 message(s)" in out.getvalue()
        assert sorted(m["Body"] for m in _drain(sqs, queue_url)) == ["one", "two"]
