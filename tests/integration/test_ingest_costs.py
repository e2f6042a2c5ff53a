"""Ingest puts a cost on every job it stores, from the cached price book, read once per
container per time-to-live: never once per event."""

from __future__ import annotations

import importlib
import os
from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from jobtracker.config import TableConfig
from jobtracker.cost import PriceBook
from jobtracker.enrich import SageMakerEnricher
from jobtracker.pipeline import Pipeline
from jobtracker.price_cache import PriceCache
from jobtracker.pricing import SnapshotPricer
from jobtracker.store.price_book import PriceBookStore
from jobtracker.store.reads import JobReads
from jobtracker.store.repository import JobRepository

from synthetic.events import BASE_MS, event_body, home_job, lifecycle
from synthetic.lambda_events import sqs_event
from tests.fixtures.ingest_stack import IngestStack
from tests.fixtures.sagemaker import create_job, event_detail_of, sagemaker

# What the daily refresh would have stored: ml.g5.2xlarge (the synthetic jobs' type) at $2.
CACHED = PriceBook({"us-east-1/ml.g5.2xlarge": 2.0}, "AWS Price List API", "2026-11-05")


def test_a_described_job_is_stored_with_its_cost_in_two_requests(
    repository: JobRepository, reads: JobReads, ddb_calls: list[str]
) -> None:
    # Given a job SageMaker describes with 1,700 billable seconds, and the cached book
    client = sagemaker()
    create_job(client, "priced-job", created_ms=BASE_MS, billable_seconds=1700)
    detail = event_detail_of(client.describe_training_job(TrainingJobName="priced-job"))
    detail["Tags"] = {"team": "vision"}  # the event's, which the description leaves out
    store = PriceBookStore(TableConfig(os.environ["TABLE_NAME"], os.environ["AWS_REGION"]))
    store.save(CACHED, "2026-12-06T04:00:00.000Z")
    prices = PriceCache(store.load)
    prices.book()  # the container's one read, before the event
    pipeline = Pipeline(
        repository=repository,
        enricher=SageMakerEnricher(connect=lambda account, region: client),
        pricer=SnapshotPricer(prices),
    )
    ddb_calls.clear()
    # When its Completed event is ingested
    handler = importlib.import_module("ingest.handler")
    record = SQSRecord(sqs_event([event_body(detail)])["Records"][0])
    handler.ingest_record(record, pipeline)
    # Then still two requests, and the record says what it cost: 1,700 s x $2/h = $0.944444
    assert len(ddb_calls) <= 2
    job = reads.get_job_detail(home_job("priced-job"))
    assert job is not None
    assert job["cost_usd"] == 0.944444
    assert job["price_source"] == "AWS Price List API, 2026-11-05"
    # And the day's counters and the team's group hold it
    (day,) = reads.iter_daily_stats("2000-01-01", "2099-12-31")
    assert day["cost_micros"] == 944_444
    groups = list(reads.iter_group_stats("tag:team", "2000-01-01", "2099-12-31"))
    assert [(g["group"], g["cost_micros"]) for g in groups] == [("vision", 944_444)]


def test_the_price_book_is_read_once_for_a_whole_stream(
    moto_ingest: IngestStack, ddb_calls: list[str]
) -> None:
    # Given the cached book, and the ingest function as Lambda loads it (a fresh container)
    table = TableConfig(os.environ["TABLE_NAME"], os.environ["AWS_REGION"])
    PriceBookStore(table).save(CACHED, "2026-12-06T04:00:00.000Z")
    bodies = [
        event_body(detail) for index in range(6) for detail in lifecycle(f"run-{index}", None)
    ]
    ddb_calls.clear()
    # When 30 events arrive in three batches
    for start in range(0, len(bodies), 10):
        assert moto_ingest.deliver(bodies[start : start + 10]) == []
    # Then one GetItem (the price book) for all of them, and the store's own requests
    requests = Counter(ddb_calls)
    assert requests["GetItem"] == 1
    assert requests == Counter(
        {"GetItem": 1, "UpdateItem": len(bodies), "TransactWriteItems": len(bodies)}
    )
    # And the running jobs carry their rate at the cached price
    reads = JobReads(moto_ingest.module.PIPELINE.repository.models)
    job: Any = reads.get_job_detail(home_job("run-0"))
    assert job["cost_usd_per_hour"] == 2.0 and job["cost_is_estimate"] is True
