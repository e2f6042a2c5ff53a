"""Inputs that once got past the normaliser and broke later, each now refused or made safe."""

from __future__ import annotations

import json
import math

import pytest
from jobtracker.aggregates import Contribution
from jobtracker.errors import MalformedEvent
from jobtracker.numbers import fits_dynamodb
from jobtracker.pipeline import parse_state_change
from jobtracker.record import MAX_DEPTH, normalise_training_job
from jobtracker.store.repository import job_attributes

from synthetic.events import lifecycle, state_change_event
from tests.fixtures.http_events import strict_loads


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
    if not fits_dynamodb(seconds):
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


NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]


@pytest.mark.parametrize("literal", NON_FINITE)
def test_non_finite_numbers_become_null_in_the_record_and_its_summaries(literal: str) -> None:
    # Given an event whose numbers, known and unknown, nested and in user maps, are not finite
    detail = dict(_final(), HyperParameters={"epochs": "3", "lr": 0.1})
    body = json.dumps(state_change_event(detail))
    for key in ('"InstanceCount": 1', '"VolumeSizeInGB": 50', '"lr": 0.1'):
        assert key in body
        body = body.replace(key, key.split(":")[0] + ": " + literal)
    body = body.replace(
        '"detail": {', f'"detail": {{"Score": {literal}, "BillableTimeInSeconds": {literal}, ', 1
    )
    # When it is normalised
    snapshot = parse_state_change(body).snapshot
    # Then the record and the summaries hold null, and both are strict JSON
    record = snapshot.record
    assert record["resource_config"]["instance_count"] is None
    assert record["resource_config"]["volume_size_in_gb"] is None
    assert record["hyper_parameters"]["lr"] is None
    assert record["score"] is None and record["billable_time_in_seconds"] is None
    strict_loads(json.dumps(record))
    attributes = job_attributes(snapshot)
    assert attributes["instance_count"] is None
    assert attributes["billable_time_in_seconds"] is None


BEYOND_DYNAMODB = [
    (10**38, "100000000000000000000000000000000000000"),  # 39 digits
    (-(10**40) - 7, str(-(10**40) - 7)),
    (123456789012345678901234567890123456789, "123456789012345678901234567890123456789"),
    (1e-200, "1e-200"),  # below DynamoDB's smallest magnitude, 1E-130
    (1e126, "1e+126"),  # at its largest exponent plus one
]


@pytest.mark.parametrize(("number", "text"), BEYOND_DYNAMODB)
def test_numbers_dynamodb_cannot_hold_stay_in_the_record_as_text_and_leave_the_summaries(
    number: int | float, text: str
) -> None:
    detail = dict(_final(), BillableTimeInSeconds=number, Extra={"Count": number})
    detail["ResourceConfig"] = dict(detail["ResourceConfig"], InstanceCount=number)
    snapshot = normalise_training_job(json.loads(json.dumps(detail)))
    assert snapshot.record["billable_time_in_seconds"] == text
    assert snapshot.record["extra"] == {"count": text}
    attributes = job_attributes(snapshot)
    assert attributes["billable_time_in_seconds"] is None
    assert attributes["instance_count"] is None


@pytest.mark.parametrize(
    "number", [10**38 - 1, -(10**38) + 1, 1e-130, 9.99e125, 0.1, 0.0, -0.0, 2**63, 1764000000000]
)
def test_numbers_dynamodb_holds_are_kept_as_numbers(number: int | float) -> None:
    assert fits_dynamodb(number)
    detail = dict(_final(), TrainingTimeInSeconds=number)
    snapshot = normalise_training_job(detail)
    assert snapshot.record["training_time_in_seconds"] == number
    assert job_attributes(snapshot)["training_time_in_seconds"] == number
