"""The AWS emulator the in-process figures run against: moto's server on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.server import ThreadedMotoServer

from bench.settings import NAIVE_TABLE_NAME, REGION, TABLE_NAME

ALERT_TOPIC = "jobtracker-bench-alerts"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def emulator() -> Iterator[str]:
    # One line per request on stderr would bury the progress lines.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    _install_moto_fixes()
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@contextmanager
def tables_frozen() -> Iterator[None]:
    """For a phase that only reads: moto sorts every item of a table on each Query (to
    find the key's items), which at 100,000 items would time moto's sort rather than the
    query. With no writes in the phase, the sorted list is made once per table and kept.
    Only moto's running time changes, never what a Query returns or counts."""
    original = Table.all_items
    cache: dict[int, list[Any]] = {}

    def all_items(self: Table) -> list[Any]:
        if id(self) not in cache:
            cache[id(self)] = original(self)
        return cache[id(self)]

    Table.all_items = all_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.all_items = original  # type: ignore[method-assign]


def _install_moto_fixes() -> None:
    """The local stack's fix for moto's TransactWriteItems, which copies whole tables."""
    try:
        from local import moto_fixes
    except ImportError:
        return
    moto_fixes.install()


def stored_item(
    table_name: str, key: dict[str, Any], region: str = REGION
) -> dict[str, Any] | None:
    """An item as the emulator holds it (DynamoDB JSON), read in-process: no request is
    made, so none is counted or charged."""
    table = _moto_table(table_name, region)
    sort = table.range_key_attr
    item = table.get_item(
        DynamoType(key[table.hash_key_attr]), DynamoType(key[sort]) if sort else None
    )
    return None if item is None else dict(item.to_json()["Attributes"])


def stored_items(table_name: str) -> Iterator[dict[str, Any]]:
    for item in _moto_table(table_name).all_items():
        yield dict(item.to_json()["Attributes"])


def _moto_table(table_name: str, region: str = REGION) -> Table:
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(table_name)


def client(service: str, endpoint_url: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint_url)


def create_resources(endpoint_url: str) -> str:
    """The jobtracker table (from the models' own schema), the naive design's table, the
    alert topic; returns the topic's ARN."""
    from jobtracker.store.models import table_schema

    dynamodb = client("dynamodb", endpoint_url)
    dynamodb.create_table(TableName=TABLE_NAME, BillingMode="PAY_PER_REQUEST", **table_schema())
    dynamodb.create_table(
        TableName=NAIVE_TABLE_NAME,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    topic: str = client("sns", endpoint_url).create_topic(Name=ALERT_TOPIC)["TopicArn"]
    return topic


def create_training_jobs(endpoint_url: str, details: list[dict[str, Any]]) -> None:
    """Make the emulated SageMaker hold each job as its newest snapshot shows it, so that
    DescribeTrainingJob (enrichment, the naive design) answers as SageMaker would."""
    from local.sagemaker_jobs import put_job_in_sagemaker

    sagemaker = client("sagemaker", endpoint_url)
    for detail in details:
        put_job_in_sagemaker(sagemaker, detail)
