"""Inputs that once got past the normaliser and broke later, each now refused or made safe."""

from __future__ import annotations

import json
import math

import pytest
from jobtracker.aggregates import Contribution
from jobtracker.errors import MalformedEvent
from jobtracker.ingest import parse_state_change
from jobtracker.record import MAX_DEPTH, normalise_training_job
from jobtracker.store.repository import job_attributes

from tests.fixtures.events import lifecycle, state_change_event


def _final(name: str = "hostile") -> dict:
    return lifecycle(name, "Completed")[-1]


@pytest.mark.parametrize("status", [["Completed"], {"Completed": 1}, 2.5, None])
def test_an_unhashable_or_foreign_status_is_malformed_not_a_type_error(status: object) -> None:
    with pytest.raises(MalformedEvent, match="TrainingJobStatus"):
        normalise_training_job(dict(_final(), TrainingJobStatus=status))


def test_a_body_nested_beyond_the_parser_is_malformed_not_a_recursion_error() -> None:
    body = '{"detail": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(MalformedEvent, match="nested too deeply"):
        parse_state_change(body)


@pytest.mark.parametrize("depth", [MAX_DEPTH, 900])
def test_a_detail_nested_deeper_than_dynamodb_allows_is_malformed(depth: int) -> None:
    nested: object = "leaf"
    for _ in range(depth):
        nested = {"Nested": nested}
    with pytest.raises(MalformedEvent, match="nested deeper"):
        normalise_training_job(dict(_final(), AlgorithmSpecification=nested))


def test_a_detail_as_deep_as_the_sdk_type_is_kept() -> None:
    nested: object = "leaf"
    for _ in range(MAX_DEPTH - 2):
        nested = {"Nested": nested}
    snapshot = normalise_training_job(dict(_final(), Extra=nested))
    assert json.dumps(snapshot.record["extra"]).count("nested") == MAX_DEPTH - 2


def test_a_transition_status_too_long_for_a_sort_key_is_malformed() -> None:
    detail = _final()
    detail["SecondaryStatusTransitions"][0]["Status"] = "S" * 300
    with pytest.raises(MalformedEvent, match=r"SecondaryStatusTransitions\[0\]\.Status"):
        normalise_training_job(detail)


@pytest.mark.parametrize("seconds", [math.inf, -math.inf, math.nan, -5, 1e300, 10**40])
def test_absurd_seconds_count_as_zero_and_never_reach_a_number_attribute(
    seconds: float,
) -> None:
    detail = dict(_final(), BillableTimeInSeconds=seconds, TrainingTimeInSeconds=seconds)
    snapshot = normalise_training_job(json.loads(json.dumps(detail)))

    contribution = Contribution.of(snapshot)
    attributes = job_attributes(snapshot)

    assert contribution.billable_seconds == contribution.training_seconds == 0
    if (isinstance(seconds, float) and not math.isfinite(seconds)) or abs(seconds) >= 1e126:
        assert attributes["billable_time_in_seconds"] is None
    else:
        assert attributes["billable_time_in_seconds"] == seconds


def test_a_summary_string_is_cut_in_bytes_to_fit_an_index_key() -> None:
    astral = "\U00020000" * 2048
    snapshot = normalise_training_job(dict(_final(), TuningJobArn=astral))
    arn = job_attributes(snapshot)["tuning_job_arn"]
    assert len(arn.encode()) <= 2048 and astral.startswith(arn)
    assert snapshot.record["tuning_job_arn"] == astral


def test_the_event_envelope_round_trip_still_parses() -> None:
    change = parse_state_change(json.dumps(state_change_event(_final("round-trip"))))
    assert change.snapshot.name == "round-trip"
