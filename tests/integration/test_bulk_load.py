"""The store's bulk load leaves the table the write path leaves, less the transitions."""

from __future__ import annotations

import os
from typing import Any

import boto3
from jobtracker.record import normalise_training_job
from jobtracker.store.bulk_load import bulk_load, loaded_job
from jobtracker.store.models import define_models
from jobtracker.store.repository import JobRepository

from synthetic.events import BASE_MS, lifecycle
from tests.fixtures.aws import create_table

DAY_MS = 86_400_000


def _final_details() -> list[dict[str, Any]]:
    details = []
    for number, ending in enumerate(
        ["Completed", "Failed", "Stopped", "MaxRuntimeExceeded", None] * 3
    ):
        detail = lifecycle(
            f"bulk-{number:02d}",
            ending,
            creation_ms=BASE_MS - (number % 4) * DAY_MS,
            spot=number % 3 == 0,
            tuning_job="tune-1" if number % 5 == 1 else None,
        )[-1]
        if ending is not None:
            detail["TrainingTimeInSeconds"] = 600 + number
            detail["BillableTimeInSeconds"] = 200 + number
        details.append(detail)
    return details


def _items(table: str) -> dict[tuple[str, str], dict[str, Any]]:
    scan = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table)
    return {(item["pk"]["S"], item["sk"]["S"]): item for page in scan for item in page["Items"]}


def test_a_bulk_load_stores_what_the_write_path_stores_but_the_transitions(
    repository: JobRepository,
) -> None:
    # Given jobs of every ending, some spot, some tuned, over four creation days
    snapshots = [normalise_training_job(detail) for detail in _final_details()]
    # When each is stored through the write path into one table
    for snapshot in snapshots:
        repository.store_snapshot(snapshot)
    # And bulk-loaded into another
    other = "bulk-loaded"
    create_table(boto3.client("dynamodb"), other)
    loaded = bulk_load(
        define_models(other, os.environ["AWS_REGION"]),
        [loaded_job(snapshot) for snapshot in snapshots],
    )
    # Then the two hold the same job items and day counters, the bulk load no history
    written, bulk = _items(repository.config.table_name), _items(other)
    assert loaded == len(snapshots)
    transitions = {key for key in written if key[1].startswith("TRANSITION#")}
    assert transitions
    assert {key: written[key] for key in written.keys() - transitions} == bulk
    assert sum(key[0].startswith("STATS") for key in bulk) == 2 * 4
