from __future__ import annotations

import json
import string

from hypothesis import given, settings
from hypothesis import strategies as st
from jobtracker.alert_kinds import AlertKind
from jobtracker.alerts.message import (
    PUBLISH_BYTES_LIMIT,
    SUBJECT_LIMIT,
    TRUNCATION_MARKER,
    build_alert,
    subject_for,
    text_body,
)
from jobtracker.record import normalise_training_job

from synthetic.events import ARN_PREFIX, lifecycle

NAME = "resnet50-finetune-2025-10-09"

job_names = st.from_regex(r"\A[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\Z")
# Any alphabet, any length: control characters, lone surrogates, emoji, quotes, escapes.
any_text = st.text(alphabet=st.characters(codec=None), max_size=3000)


def failed_detail(name: str = NAME, **overrides):
    """The last snapshot of a failed job, with some attributes replaced."""
    return {**lifecycle(name, "Failed")[-1], **overrides}


def failed_job(name: str = NAME, **overrides):
    return normalise_training_job(failed_detail(name, **overrides))


def test_subject_names_the_job_and_the_kind():
    message = build_alert(failed_job(), AlertKind.FAILED)
    assert message.subject == f"SageMaker training job {NAME}: Failed"


@given(name=job_names, kind=st.sampled_from(AlertKind))
def test_subject_is_short_printable_ascii_and_keeps_the_kind(name: str, kind: AlertKind):
    subject = subject_for(name, kind)
    assert len(subject) <= SUBJECT_LIMIT < 100
    assert all(
        character in string.printable and character not in "\r\n\t\x0b\x0c" for character in subject
    )
    assert subject.endswith(f": {kind.value}")
    assert subject.startswith("SageMaker training job ")
    if len(subject) < SUBJECT_LIMIT:
        assert name in subject


def test_a_longest_name_is_shortened_with_a_marker():
    name = "a" * 63
    subject = subject_for(name, AlertKind.MAX_WAIT_TIME_EXCEEDED)
    assert len(subject) == SUBJECT_LIMIT
    assert subject == "SageMaker training job " + "a" * 52 + "...: MaxWaitTimeExceeded"


def test_json_body_carries_what_the_reader_needs():
    job = failed_job(BillableTimeInSeconds=131, TrainingTimeInSeconds=131)
    message = build_alert(job, AlertKind.FAILED)
    body = message.body
    assert body == {
        "training_job_name": NAME,
        "account": "123456789012",
        "training_job_arn": f"{ARN_PREFIX}:training-job/{NAME}",
        "alert_kind": "Failed",
        "training_job_status": "Failed",
        "secondary_status": "Failed",
        "failure_reason": "AlgorithmError: CUDA out of memory (exit code 1)",
        "status_message": "Failed the training job",
        "creation_time": "2025-11-24T16:00:00.000Z",
        "training_start_time": "2025-11-24T16:02:00.000Z",
        "training_end_time": "2025-11-24T16:06:00.000Z",
        "last_modified_time": "2025-11-24T16:06:00.000Z",
        "duration_in_seconds": 240,
        "billable_time_in_seconds": 131,
        "training_time_in_seconds": 131,
        "instance_type": "ml.g5.2xlarge",
        "instance_count": 1,
        "managed_spot_training": False,
        "tags": [{"key": "team", "value": "vision"}, {"key": "project", "value": "resnet"}],
        "region": "us-east-1",
        "console_url": (
            f"https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/jobs/{NAME}"
        ),
        "logs_url": (
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
            "#logsV2:log-groups/log-group/$252Faws$252Fsagemaker$252FTrainingJobs"
            f"$3FlogStreamNameFilter$3D{NAME}"
        ),
        "truncated": [],
        # The current secondary status began with the last transition.
        "status_since": "2025-11-24T16:06:00.000Z",
        # An alert about an ended job has no episode, nor a trouble's times.
        "episode": None,
        "for_seconds": None,
        "threshold_seconds": None,
        "limit_seconds": None,
        "interruption_number": None,
        "interruption_ordinal": None,
    }


def test_sns_message_has_text_for_people_json_for_machines_and_the_chat_form():
    message = build_alert(failed_job(), AlertKind.FAILED)
    document = json.loads(message.sns_message())
    assert set(document) == {"default", "sqs", "lambda", "http", "https"}
    assert document["default"] == message.text
    for protocol in ("sqs", "lambda"):
        assert json.loads(document[protocol]) == message.body
    for protocol in ("http", "https"):
        assert json.loads(document[protocol]) == message.chat
        assert message.chat["source"] == "custom"


def test_text_body_reads_as_a_report():
    text = build_alert(failed_job(), AlertKind.FAILED).text
    assert text.splitlines()[0] == f"SageMaker training job {NAME}: Failed"
    assert "Failure reason: AlgorithmError: CUDA out of memory (exit code 1)" in text
    assert "Duration: 4m 0s (240 s)" in text
    assert "Instances: 1 x ml.g5.2xlarge" in text
    assert "Tags: team=vision, project=resnet" in text
    assert f"#/jobs/{NAME}" in text and "logStreamNameFilter" in text


def test_links_follow_the_region_and_partition_of_the_arn():
    arn = f"arn:aws-cn:sagemaker:cn-north-1:123456789012:training-job/{NAME}"
    body = build_alert(failed_job(TrainingJobArn=arn), AlertKind.FAILED, "us-east-1").body
    assert body["console_url"].startswith("https://cn-north-1.console.amazonaws.cn/sagemaker/")
    assert body["logs_url"].startswith("https://cn-north-1.console.amazonaws.cn/cloudwatch/")


def test_without_an_arn_the_events_region_makes_the_links():
    detail = lifecycle(NAME, "Failed")[-1]
    del detail["TrainingJobArn"]
    snapshot = normalise_training_job(detail, ("210987654321", "eu-west-1"))
    body = build_alert(snapshot, AlertKind.FAILED, "us-east-1").body
    assert body["training_job_arn"] is None
    assert body["account"] == "210987654321"
    assert body["console_url"].startswith("https://eu-west-1.console.aws.amazon.com/")


def test_attributes_are_the_filterable_fields_and_never_empty():
    message = build_alert(failed_job(), AlertKind.FAILED)
    assert message.attributes == {
        "alert_kind": "Failed",
        "training_job_status": "Failed",
        "secondary_status": "Failed",
    }
    assert message.sns_attributes()["alert_kind"] == {"DataType": "String", "StringValue": "Failed"}
    no_secondary = lifecycle(NAME, "Failed")[-1]
    del no_secondary["SecondaryStatus"]
    attributes = build_alert(normalise_training_job(no_secondary), AlertKind.FAILED).attributes
    assert "secondary_status" not in attributes


def test_a_huge_failure_reason_is_cut_with_a_marker():
    message = build_alert(failed_job(FailureReason="x" * 1_000_000), AlertKind.FAILED)
    assert message.body["failure_reason"].endswith(TRUNCATION_MARKER)
    assert message.body["truncated"] == ["failure_reason"]
    assert "Shortened here: failure_reason" in message.text
    assert message.publish_bytes() <= PUBLISH_BYTES_LIMIT


def test_fifty_huge_wide_character_tags_still_fit():
    tags = {f"key-{index}-" + "🙂" * 500: "値" * 100_000 for index in range(50)}
    message = build_alert(failed_job(Tags=tags), AlertKind.FAILED)
    assert message.publish_bytes() <= PUBLISH_BYTES_LIMIT
    assert "tags" in message.body["truncated"]
    assert len(message.sns_message().encode()) <= PUBLISH_BYTES_LIMIT


@settings(max_examples=60, deadline=None)
@given(
    reason=any_text,
    tags=st.dictionaries(any_text, any_text, max_size=60),
    secondary_message=any_text,
)
def test_any_reason_or_tag_makes_a_publishable_message(reason, tags, secondary_message):
    detail = failed_detail(FailureReason=reason, Tags=tags)
    detail["SecondaryStatusTransitions"][-1]["StatusMessage"] = secondary_message
    message = build_alert(normalise_training_job(detail), AlertKind.FAILED)
    encoded = message.sns_message().encode("utf-8")  # raises on a lone surrogate
    assert message.publish_bytes() <= PUBLISH_BYTES_LIMIT
    assert len(encoded) <= PUBLISH_BYTES_LIMIT
    allowed = set(range(0x20, 0xD800)) | {0x09, 0x0A, 0x0D}
    for character in message.sns_message():
        code = ord(character)
        assert code in allowed or 0xE000 <= code <= 0xFFFD or code >= 0x10000
    for value in message.attributes.values():
        assert value and "\n" not in value and len(value) <= 256


def test_a_queue_subscriber_can_render_the_text_from_the_json_body():
    message = build_alert(failed_job(), AlertKind.FAILED)
    received = json.loads(json.loads(message.sns_message())["sqs"])
    assert text_body(received) == message.text
