"""The local stack prints each alert as the SQS subscription of the topic receives it."""

from __future__ import annotations

import json

from local.alerts import alert_lines


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
