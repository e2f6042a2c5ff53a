"""Alarms with actions on everything that needs a person, and the dashboard."""

import json

import pytest

pytestmark = pytest.mark.infra


def alarms(synthesized):
    return [
        alarm["Properties"] for alarm in synthesized.resources("AWS::CloudWatch::Alarm").values()
    ]


def ops_topic(synthesized):
    (topic_id,) = [
        logical_id
        for logical_id in synthesized.resources("AWS::SNS::Topic")
        if logical_id.startswith("AlertsOpsTopic")
    ]
    return {"Ref": topic_id}


def alarm_on(synthesized, metric_name, resource_id=None):
    """The one alarm on `metric_name`, of the resource with that logical id if given."""
    found = [
        alarm
        for alarm in alarms(synthesized)
        if alarm["MetricName"] == metric_name
        and (resource_id is None or resource_id in json.dumps(alarm["Dimensions"]))
    ]
    assert len(found) == 1, f"one alarm on {metric_name} {resource_id}"
    return found[0]


def test_every_alarm_notifies_the_ops_topic(synthesized):
    for alarm in alarms(synthesized):
        assert alarm["AlarmActions"] == [ops_topic(synthesized)]
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_every_dead_letter_queue_alarms_on_its_first_message(synthesized):
    dead_letter_queues = [
        logical_id
        for logical_id in synthesized.resources("AWS::SQS::Queue")
        if "DeadLetter" in logical_id
    ]
    # ingest's two, and one per schedule (the reconciler's, the watch's, the price refresh's)
    assert len(dead_letter_queues) == 5
    for queue in dead_letter_queues:
        alarm = alarm_on(synthesized, "ApproximateNumberOfMessagesVisible", queue)
        assert alarm["Threshold"] == 1


def test_ingest_errors_and_queue_age_alarm(synthesized):
    ingest = synthesized.function("ingest")[0]
    assert alarm_on(synthesized, "Errors", ingest)["Threshold"] == 1
    (queue,) = [q for q in synthesized.resources("AWS::SQS::Queue") if q.startswith("IngestQueue")]
    assert alarm_on(synthesized, "ApproximateAgeOfOldestMessage", queue)["Threshold"] == 900


@pytest.mark.parametrize("package", ["ingest", "api", "reconcile", "prices"])
def test_every_function_alarms_on_throttles(synthesized, package):
    alarm_on(synthesized, "Throttles", synthesized.function(package)[0])


def test_api_server_errors_alarm(synthesized):
    (api_id,) = synthesized.resources("AWS::ApiGatewayV2::Api")
    alarm = alarm_on(synthesized, "5xx", api_id)
    assert alarm["Namespace"] == "AWS/ApiGateway"


def test_poison_events_and_failed_alert_publishing_alarm(synthesized):
    for metric in ("PoisonEvents", "AlertPublishFailures"):
        alarm = alarm_on(synthesized, metric)
        assert alarm["Namespace"] == "jobtracker"
        assert alarm["Dimensions"] == [{"Name": "service", "Value": "jobtracker"}]


def test_member_failures_alarm_and_say_where_to_look(synthesized):
    alarm = alarm_on(synthesized, "MemberFailures")
    assert alarm["Namespace"] == "jobtracker"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "jobtracker"}]
    assert alarm["Threshold"] == 1
    assert "source_accounts" in alarm["AlarmDescription"]


def test_dashboard_shows_the_tracker_at_a_glance(synthesized):
    (dashboard,) = synthesized.resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for shown in (
        "EventsStored",
        "StaleEvents",
        "PoisonEvents",
        "AlertsSent",
        "ApproximateNumberOfMessagesVisible",
        "Latency",
        "p50",
        "p99",
        "Errors",
        "5xx",
        "JobsReconciled",
        "MemberFailures",
    ):
        assert shown in body, shown
