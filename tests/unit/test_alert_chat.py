"""The chat form of an alert: Amazon Q Developer in chat applications' custom notification."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from jobtracker.alert_kinds import AlertKind
from jobtracker.alerts.chat import thread_id
from jobtracker.alerts.message import build_alert
from jobtracker.record import normalise_training_job

from synthetic.events import lifecycle

NAME = "resnet50-finetune-2025-10-09"


def job(outcome: str = "Failed", account: str = "123456789012", **overrides):
    detail = {**lifecycle(NAME, outcome)[-1], **overrides}
    return normalise_training_job(detail, (account, "us-east-1"))


def test_the_chat_form_follows_the_custom_notification_schema():
    chat = build_alert(job(), AlertKind.FAILED).chat
    # The two fixed values the chat bridge requires, and only the schema's sections.
    assert (chat["version"], chat["source"]) == ("1.0", "custom")
    assert set(chat) == {"version", "source", "content", "metadata"}
    content, metadata = chat["content"], chat["metadata"]
    assert set(content) == {"textType", "title", "description", "nextSteps", "keywords"}
    assert set(metadata) == {
        "threadId",
        "summary",
        "eventType",
        "relatedResources",
        "additionalContext",
    }
    assert content["textType"] == "client-markdown"
    assert content["title"] == f":x: SageMaker training job {NAME}: Failed"
    assert "*Failure reason:* AlgorithmError: CUDA out of memory" in content["description"]
    assert (
        "[Job in the SageMaker console](https://us-east-1.console.aws.amazon.com/"
        in (content["description"])
    )
    assert content["nextSteps"] and all(isinstance(step, str) for step in content["nextSteps"])
    assert metadata["eventType"] == "Failed"
    assert metadata["relatedResources"] == [
        f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{NAME}"
    ]


def test_machine_fields_ride_in_additional_context_as_strings():
    message = build_alert(job(), AlertKind.FAILED)
    context = message.chat["metadata"]["additionalContext"]
    assert all(isinstance(value, str) for value in context.values())
    assert context["alert_kind"] == "Failed"
    assert context["training_job_name"] == NAME
    assert context["managed_spot_training"] == "false"
    assert context["duration_in_seconds"] == str(message.body["duration_in_seconds"])
    # Absent fields are left out rather than sent as the text "None".
    assert "episode" not in context and "None" not in context.values()


def test_every_alert_of_one_job_shares_a_thread_and_another_account_has_its_own():
    failed = build_alert(job(), AlertKind.FAILED).chat["metadata"]["threadId"]
    timed_out = build_alert(job("MaxRuntimeExceeded"), AlertKind.MAX_RUNTIME_EXCEEDED).chat[
        "metadata"
    ]["threadId"]
    elsewhere = build_alert(job(account="210987654321"), AlertKind.FAILED).chat["metadata"][
        "threadId"
    ]
    assert failed == timed_out == f"jobtracker/123456789012/us-east-1/{NAME}"
    assert elsewhere != failed


def test_thread_id_is_the_identity():
    body = {"account": "123456789012", "region": "eu-west-1", "training_job_name": "a"}
    assert thread_id(body) == "jobtracker/123456789012/eu-west-1/a"


@settings(max_examples=30, deadline=None)
@given(reason=st.text(alphabet=st.characters(codec=None), min_size=1, max_size=20_000))
def test_the_chat_form_is_valid_json_with_bounded_text_whatever_the_reason(reason: str):
    message = build_alert(job(FailureReason=reason), AlertKind.FAILED)
    document = json.loads(message.sns_message())
    chat = json.loads(document["https"])
    assert len(chat["content"]["title"]) <= 250
    assert len(chat["content"]["description"]) <= 4000
    assert all(len(value) <= 1024 for value in chat["metadata"]["additionalContext"].values())
