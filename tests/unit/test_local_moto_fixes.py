"""The local emulator's TransactWriteItems fix keeps moto's all-or-nothing semantics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from jobtracker.store.models import table_schema
from moto import mock_aws

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
