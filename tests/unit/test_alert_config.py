from __future__ import annotations

import pytest
from jobtracker.alert_kinds import AlertKind
from jobtracker.config import ConfigError, IngestConfig, alert_config, watch_settings

TOPIC = "arn:aws:sns:us-east-1:123456789012:jobtracker-alerts"
HOME = {"HOME_ACCOUNT": "123456789012", "HOME_REGION": "us-east-1"}


def test_default_kinds_are_the_failures_and_the_troubles_of_jobs_in_flight():
    config = alert_config({"ALERT_TOPIC_ARN": TOPIC})
    assert config is not None
    assert config.kinds == {
        AlertKind.FAILED,
        AlertKind.MAX_RUNTIME_EXCEEDED,
        AlertKind.STUCK,
        AlertKind.SPOT_INTERRUPTED,
        AlertKind.NEAR_MAX_RUNTIME,
    }
    assert config.topic_arn == TOPIC


def test_kinds_come_from_alert_kinds():
    config = alert_config({"ALERT_TOPIC_ARN": TOPIC, "ALERT_KINDS": "Completed,Interrupted"})
    assert config is not None
    assert config.kinds == {AlertKind.COMPLETED, AlertKind.INTERRUPTED}


def test_an_unknown_kind_is_a_config_error():
    with pytest.raises(ConfigError, match=r"ALERT_KINDS.*'Crash'"):
        alert_config({"ALERT_TOPIC_ARN": TOPIC, "ALERT_KINDS": "Failed,Crash"})


def test_the_topic_is_required_when_alerting():
    with pytest.raises(ConfigError, match="ALERT_TOPIC_ARN is required"):
        alert_config({})


def test_a_malformed_topic_arn_is_a_config_error():
    with pytest.raises(ConfigError, match="ALERT_TOPIC_ARN"):
        alert_config({"ALERT_TOPIC_ARN": "jobtracker-alerts"})


def test_empty_kinds_turn_alerting_off_and_need_no_topic():
    assert alert_config({"ALERT_KINDS": " "}) is None


def test_ingest_config_validates_alerts_at_start_up():
    with pytest.raises(ConfigError, match="ALERT_TOPIC_ARN"):
        IngestConfig.from_env({"TABLE_NAME": "jobs"})
    config = IngestConfig.from_env({**HOME, "TABLE_NAME": "jobs", "ALERT_TOPIC_ARN": TOPIC})
    assert config.alerts is not None and config.alerts.topic_arn == TOPIC


def test_a_fifo_topic_is_refused():
    with pytest.raises(ConfigError, match="standard topic"):
        alert_config({"ALERT_TOPIC_ARN": TOPIC + ".fifo"})


def test_watch_settings_default_and_configured():
    default = watch_settings({})
    assert default.stuck_after_minutes["Starting"] == 30 and default.near_max_percent == 90
    configured = watch_settings(
        {"STUCK_AFTER_MINUTES": '{"Training": 600}', "NEAR_MAX_PERCENT": "80"}
    )
    assert dict(configured.stuck_after_minutes) == {"Training": 600}
    assert configured.near_max_percent == 80
    for bad in ('{"Starting": 0}', '["Starting"]', "Starting=30", '{"Starting": "30"}'):
        with pytest.raises(ConfigError, match="STUCK_AFTER_MINUTES"):
            watch_settings({"STUCK_AFTER_MINUTES": bad})
    with pytest.raises(ConfigError, match="NEAR_MAX_PERCENT"):
        watch_settings({"NEAR_MAX_PERCENT": "100"})
