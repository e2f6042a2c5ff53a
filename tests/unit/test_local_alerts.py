"""The local stack prints each alert as the SQS subscription of the topic receives it."""

from __future__ import annotations

import json

from jobtracker.alert_kinds import AlertKind
from jobtracker.alerts.message import build_alert
from jobtracker.record import normalise_training_job

from local.alerts import alert_lines
from synthetic.events import lifecycle


def test_alert_prints_kind_subject_and_text_body() -> None:
    notification = {
        "Type": "Notification",
        "Subject": "Failed: resnet-1 (AlgorithmError)",
        "Message": "Training job resnet-1 failed.\nReason: AlgorithmError",
        "MessageAttributes": {"alert_kind": {"Type": "String", "Value": "Failed"}},
    }

    assert alert_lines(json.dumps(notification)) == [
        "ALERT [Failed] Failed: resnet-1 (AlgorithmError)",
        "  Training job resnet-1 failed.",
        "  Reason: AlgorithmError",
    ]


def test_raw_delivery_is_printed_as_it_came() -> None:
    assert alert_lines("not json") == ["ALERT (raw) not json"]


def test_a_json_alert_body_prints_as_the_text_an_email_reader_gets() -> None:
    # Given the notification a queue receives for an alert (its `sqs` JSON body)
    job = normalise_training_job(lifecycle("resnet-1", "Failed")[-1])
    alert = build_alert(job, AlertKind.FAILED)
    notification = {
        "Type": "Notification",
        "Subject": alert.subject,
        "Message": json.loads(alert.sns_message())["sqs"],
        "MessageAttributes": {"alert_kind": {"Type": "String", "Value": "Failed"}},
    }
    # When it is printed
    lines = alert_lines(json.dumps(notification))
    # Then it reads as the subject and the text body
    assert lines[0] == "ALERT [Failed] SageMaker training job resnet-1: Failed"
    assert lines[1:] == [f"  {line}" for line in alert.text.splitlines()]
    assert "  Failure reason: AlgorithmError: CUDA out of memory (exit code 1)" in lines


def test_a_budget_alert_prints_who_spent_how_much_of_what() -> None:
    from jobtracker.budgets import Budget, crossings

    crossing = next(
        crossings([Budget("tag:team=support", 250)], {"tag:team=support": 222_674_898}, "2026-12")
    )
    message = crossing.message()
    notification = {
        "Subject": message.subject,
        "Message": json.loads(message.sns_message())["sqs"],
        "MessageAttributes": {"alert_kind": {"Type": "String", "Value": "BudgetThreshold"}},
    }
    assert alert_lines(json.dumps(notification)) == [
        "ALERT [BudgetThreshold] jobtracker: tag:team=support at 80% of its 2026-12 budget",
        "  tag:team=support: $222.67 of $250.00 in 2026-12 (89.1%)",
    ]


def test_the_local_stack_prices_with_the_deploys_terms_unless_told_otherwise() -> None:
    from local.emulator import cost_environment

    defaults = cost_environment({})
    assert defaults == {
        "PRICE_OVERRIDES": "{}",
        "PRICE_DISCOUNT_PERCENT": "0",
        "COST_TAGS": "team,project",
    }
    chosen = cost_environment({"BUDGETS": '{"tag:team=support": 250}', "COST_TAGS": "team"})
    assert chosen["BUDGETS"] == '{"tag:team=support": 250}'
    assert chosen["COST_TAGS"] == "team"
