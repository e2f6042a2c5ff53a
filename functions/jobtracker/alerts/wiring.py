"""One alerter from configuration, for every function that writes jobs."""

from __future__ import annotations

from typing import Any

from jobtracker.alerts.alerter import ExactlyOnceAlerter
from jobtracker.alerts.sns import SnsPublisher, sns_client
from jobtracker.alerts.watcher import Watcher
from jobtracker.config import AlertConfig, TableConfig
from jobtracker.store.alert_claims import AlertClaimRepository
from jobtracker.store.models import Models
from jobtracker.store.reads import JobReads
from jobtracker.watch import WatchSettings


def make_alerter(
    config: AlertConfig, table: TableConfig, models: Models, sns_client: Any
) -> ExactlyOnceAlerter:
    return ExactlyOnceAlerter(
        claims=AlertClaimRepository(table, models),
        publisher=SnsPublisher(config.topic_arn, sns_client),
        kinds=config.kinds,
        region=table.region,
        stored_record=JobReads(models).get_job,
    )


def configured_alerter(
    config: AlertConfig | None, table: TableConfig, models: Models
) -> ExactlyOnceAlerter | None:
    """The alerter a writer function's configuration asks for; None when alerts are off."""
    if config is None:
        return None
    return make_alerter(config, table, models, sns_client(table.region))


def make_watcher(
    config: AlertConfig,
    table: TableConfig,
    models: Models,
    sns_client: Any,
    settings: WatchSettings,
) -> Watcher:
    """The watch's run over the jobs table, publishing to the alert topic."""
    reads = JobReads(models)
    return Watcher(
        jobs=reads,
        claims=AlertClaimRepository(table, models),
        publisher=SnsPublisher(config.topic_arn, sns_client),
        stored_record=reads.get_job,
        kinds=config.kinds,
        settings=settings,
        region=table.region,
    )
