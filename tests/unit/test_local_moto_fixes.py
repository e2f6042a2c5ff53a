"""The local emulator's fixes: TransactWriteItems keeps moto's all-or-nothing semantics;
EventBridge delivers a nested detail in linear time, as it came."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import moto
import pytest
from botocore.exceptions import ClientError
from jobtracker.store.models import table_schema
from moto import mock_aws
from moto.events.utils import EventTemplateParser

from local import moto_fixes

TABLE = "fixes"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    moto_fixes.install()
    try:
        with mock_aws():
            client = boto3.client(
                "dynamodb",
                region_name="us-east-1",
                aws_access_key_id="x",
                aws_secret_access_key="x",
            )
            client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST", **table_schema())
            yield client
    finally:
        moto_fixes.uninstall()


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def test_failed_transaction_changes_nothing(dynamodb: Any) -> None:
    # Given an item
    dynamodb.put_item(TableName=TABLE, Item={**key("JOB#a", "JOB"), "n": {"N": "1"}})

    # When a transaction updates it, adds another, then fails a condition
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": key("JOB#a", "JOB"),
                        "UpdateExpression": "SET n = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}},
                    }
                },
                {"Put": {"TableName": TABLE, "Item": key("JOB#a", "TRANSITION#1")}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": key("JOB#missing", "JOB"),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )

    # Then it is cancelled and the table is as before
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    item = dynamodb.get_item(TableName=TABLE, Key=key("JOB#a", "JOB"))["Item"]
    assert item["n"] == {"N": "1"}
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=key("JOB#a", "TRANSITION#1"))


def test_successful_transaction_applies_everything(dynamodb: Any) -> None:
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {**key("JOB#b", "JOB"), "n": {"N": "1"}}}},
            {"Put": {"TableName": TABLE, "Item": key("JOB#b", "TRANSITION#1")}},
        ]
    )

    items = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "JOB#b"}},
    )["Items"]
    assert len(items) == 2


# Deep enough that moto's own stringify writes 16 MB (2^24), shallow enough that it
# still returns in a fraction of a second: the fix is told apart without risking memory.
NESTED_LISTS = "[" * 24 + "]" * 24


def test_the_fixes_are_for_the_installed_moto() -> None:
    # A different moto may have fixed or moved what is patched: check again, then bump.
    assert moto.__version__ == moto_fixes.MOTO_VERSION


def test_the_local_stack_refuses_a_moto_its_fixes_were_not_written_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(moto_fixes.moto, "__version__", "9.9.9")
    with pytest.raises(
        RuntimeError, match=r"moto_fixes\.py was written for moto 5\.2\.5, not 9\.9\.9"
    ):
        moto_fixes.install()


@pytest.fixture
def events_to_queue() -> Iterator[tuple[Any, Any, str]]:
    """A rule on the default bus sending every aws.sagemaker event to a queue."""
    moto_fixes.install()
    try:
        with mock_aws():
            credentials = {
                "region_name": "us-east-1",
                "aws_access_key_id": "x",
                "aws_secret_access_key": "x",
            }
            events, sqs = boto3.client("events", **credentials), boto3.client("sqs", **credentials)
            queue_url = sqs.create_queue(QueueName="ingest")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
            events.put_rule(Name="r", EventPattern=json.dumps({"source": ["aws.sagemaker"]}))
            events.put_targets(
                Rule="r", Targets=[{"Id": "q", "Arn": arn["Attributes"]["QueueArn"]}]
            )
            yield events, sqs, queue_url
    finally:
        moto_fixes.uninstall()


def test_a_nested_list_detail_is_delivered_as_it_came_in_linear_time(
    events_to_queue: tuple[Any, Any, str],
) -> None:
    events, sqs, queue_url = events_to_queue
    # Given the fix, moto's stringify writes a nested list once, not 2^depth bytes
    assert EventTemplateParser._stringify(json.loads(NESTED_LISTS)) == NESTED_LISTS
    # When an event with that detail is put on the bus
    entry = {"Source": "aws.sagemaker", "DetailType": "x", "Detail": NESTED_LISTS}
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    # Then the queue gets it with the detail as it was sent, as EventBridge delivers it
    (message,) = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    assert json.loads(message["Body"])["detail"] == json.loads(NESTED_LISTS)


def test_uninstall_restores_moto_s_own_stringify() -> None:
    moto_fixes.install()
    moto_fixes.uninstall()
    assert len(EventTemplateParser._stringify(json.loads(NESTED_LISTS))) > 2**24
