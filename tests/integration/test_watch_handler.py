"""The watch function as Lambda runs it on its schedule: configured from its environment,
under moto, publishing each trouble once and saying what it did."""

from __future__ import annotations

import importlib
import time

import pytest
from jobtracker.config import ConfigError, TableConfig
from jobtracker.record import normalise_training_job
from jobtracker.store.repository import JobRepository
from moto import mock_aws

from synthetic.events import lifecycle
from synthetic.lambda_events import LambdaContext
from tests.fixtures.aws import REGION, TABLE_NAME, clients, create_table, create_topic_with_inbox

MINUTE = 60_000


def test_the_scheduled_watch_alerts_once_and_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_aws():
        dynamodb, sns, sqs = clients()
        create_table(dynamodb)
        topic_arn, inbox = create_topic_with_inbox(sns, sqs)
        repository = JobRepository(TableConfig(TABLE_NAME, REGION))
        now = int(time.time() * 1000)
        for name, minutes in (("waiting", 50), ("starting", 3)):
            detail = lifecycle(name, None, creation_ms=now - minutes * MINUTE)[0]
            repository.store_snapshot(normalise_training_job(detail))
        with monkeypatch.context() as patch:
            patch.setenv("TABLE_NAME", TABLE_NAME)
            patch.setenv("ALERT_TOPIC_ARN", topic_arn)
            patch.delenv("ALERT_KINDS", raising=False)
            patch.setenv("STUCK_AFTER_MINUTES", '{"Starting": 45}')
            module = importlib.import_module("watch.handler")
            module = importlib.reload(module)
            event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
            first = module.handler(event, LambdaContext(function_name="watch"))
            again = module.handler(event, LambdaContext(function_name="watch"))
        # Then the job over the configured 45 minutes alerted, once; the other did not
        assert (first["jobs_in_flight"], first["troubles"], len(first["alerts_sent"])) == (2, 1, 1)
        assert (again["troubles"], again["alerts_sent"], again["failures"]) == (1, [], [])
        [alert] = inbox.receive_all()
        assert alert["Message"]["training_job_name"] == "waiting"
        assert alert["Message"]["threshold_seconds"] == 45 * 60


def test_a_watch_without_a_topic_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setenv("ALERT_KINDS", "")
        with pytest.raises(ConfigError, match="the watch needs ALERT_KINDS and ALERT_TOPIC_ARN"):
            importlib.reload(importlib.import_module("watch.handler"))
