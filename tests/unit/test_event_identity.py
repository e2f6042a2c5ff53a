"""A job's identity comes from the event's envelope or the description's ARN, never a guess."""

from __future__ import annotations

import json

import pytest
from jobtracker.errors import MalformedEvent
from jobtracker.pipeline import parse_state_change
from jobtracker.record import JobIdentity, normalise_training_job

from synthetic.events import lifecycle, state_change_event


def event(**envelope: object) -> str:
    document = state_change_event(lifecycle("ident-job", "Failed")[-1])
    document.update(envelope)
    return json.dumps({k: v for k, v in document.items() if v is not None})


def test_the_envelopes_account_and_region_are_the_jobs() -> None:
    change = parse_state_change(event(account="210987654321", region="eu-west-1"))
    assert change.snapshot.identity == JobIdentity("210987654321", "eu-west-1", "ident-job")
    assert (change.snapshot.record["account"], change.snapshot.record["region"]) == (
        "210987654321",
        "eu-west-1",
    )


@pytest.mark.parametrize(
    ("envelope", "reason"),
    [
        ({"account": None}, "event: account missing"),
        ({"account": "12345"}, "account '12345' is not a 12-digit account id"),
        ({"account": 123456789012}, "is not a 12-digit account id"),
        ({"region": None}, "event: region missing"),
        ({"region": "../etc"}, "region '../etc' is not an AWS region"),
    ],
)
def test_a_missing_or_malformed_identity_is_a_malformed_event(
    envelope: dict[str, object], reason: str
) -> None:
    with pytest.raises(MalformedEvent, match=reason):
        parse_state_change(event(**envelope))


def test_a_description_is_placed_by_its_arn_and_refused_without_one() -> None:
    detail = lifecycle("ident-job", "Failed")[-1]
    arn = "arn:aws-cn:sagemaker:cn-north-1:210987654321:training-job/ident-job"
    described = normalise_training_job({**detail, "TrainingJobArn": arn})
    assert described.identity == JobIdentity("210987654321", "cn-north-1", "ident-job")
    with pytest.raises(MalformedEvent, match="TrainingJobArn"):
        normalise_training_job({k: v for k, v in detail.items() if k != "TrainingJobArn"})
    other = "arn:aws:sagemaker:us-east-1:210987654321:training-job/another-job"
    with pytest.raises(MalformedEvent, match="names another job"):
        normalise_training_job({**detail, "TrainingJobArn": other})
