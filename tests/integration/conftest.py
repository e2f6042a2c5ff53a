from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from jobtracker.config import TableConfig
from jobtracker.store.reads import JobReads
from jobtracker.store.reconcile_state import ReconcileStateRepository
from jobtracker.store.repository import JobRepository
from moto import mock_aws

from synthetic.lambda_events import LambdaContext, http_request
from tests.fixtures.aws import create_table
from tests.fixtures.ingest_stack import IngestStack, ingest_stack


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def table(aws: None) -> str:
    name = os.environ["TABLE_NAME"]
    create_table(boto3.client("dynamodb"), name)
    return name


@pytest.fixture
def repository(table: str) -> JobRepository:
    return JobRepository(TableConfig(table_name=table, region=os.environ["AWS_REGION"]))


@pytest.fixture
def reads(repository: JobRepository) -> JobReads:
    """What the api reads, over the repository's table."""
    return JobReads(repository.models)


@pytest.fixture
def progress(repository: JobRepository) -> ReconcileStateRepository:
    """The reconciler's progress items, in the repository's table."""
    return ReconcileStateRepository(repository.models)


@pytest.fixture
def ddb_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The DynamoDB operations made while the test runs, in order."""
    from botocore.client import BaseClient

    calls: list[str] = []
    original = BaseClient._make_api_call

    def counting(self: BaseClient, operation: str, params: dict) -> dict:
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    return calls


@pytest.fixture
def moto_ingest(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[IngestStack]:
    """The ingest handler with a table, an alert topic and an inbox, default alert kinds."""
    with ingest_stack(monkeypatch) as given:
        yield given


@pytest.fixture
def api(table: str) -> Any:
    """The api handler over the test table: `api(path, query)` -> (status, JSON body)."""
    from api import handler

    def call(path: str, query: dict[str, str] | None = None) -> tuple[int, Any]:
        response = handler.handler(http_request(path, query), LambdaContext())
        return response["statusCode"], json.loads(response["body"])

    return call
