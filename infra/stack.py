"""The jobtracker stack: storage, alerts, ingest, api, reconcile, watch, prices and monitoring."""

from __future__ import annotations

from typing import Any

from aws_cdk import Annotations, Aspects, CfnOutput, Stack
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from infra.alerts import Alerts
from infra.api import Api
from infra.chat import ChatChannels
from infra.config import StackConfig
from infra.ingest import Ingest
from infra.monitoring import Monitoring
from infra.prices import Prices
from infra.reconcile import Reconcile
from infra.storage import Storage
from infra.watch import Watch

NO_SUBSCRIBERS = (
    "Nobody is subscribed to the alert or ops topic: job failures and alarms will reach "
    "no one. Set -c alert_emails=... and -c ops_emails=... (docs/deploy.md), or subscribe "
    "to the topics after the deploy."
)


class JobTrackerStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StackConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.storage = Storage(self, "Storage")
        self.alerts = Alerts(self, "Alerts", config=config)
        shared = {"config": config, "storage": self.storage}
        self.ingest = Ingest(self, "Ingest", **shared, alerts=self.alerts)
        self.api = Api(self, "Api", **shared)
        self.reconcile = Reconcile(self, "Reconcile", **shared, alerts=self.alerts)
        self.prices = Prices(self, "Prices", config=config, storage=self.storage)
        self.watch = Watch(self, "Watch", **shared, alerts=self.alerts)
        # Only when a channel is named: the workspace must have been authorised first.
        self.chat = (
            ChatChannels(self, "Chat", config=config, alerts=self.alerts)
            if config.slack_workspace_id or config.teams_team_id
            else None
        )
        table, alert_topic = self.storage.table, self.alerts.topic
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            ingest=self.ingest,
            api=self.api,
            reconcile=self.reconcile,
            ops_topic=self.alerts.ops_topic,
            prices=self.prices,
            watch=self.watch,
        )
        outputs = {
            "ApiUrl": self.api.url,
            "AlertTopicArn": alert_topic.topic_arn,
            "OpsTopicArn": self.alerts.ops_topic.topic_arn,
            "TableName": table.table_name,
            "IngestQueueUrl": self.ingest.queue.queue_url,
            "IngestDeadLetterQueueUrl": self.ingest.dead_letter_queue.queue_url,
            "EventDeadLetterQueueUrl": self.ingest.events_dead_letter_queue.queue_url,
            "ScheduleDeadLetterQueueUrl": self.reconcile.dead_letter_queue.queue_url,
            "PriceScheduleDeadLetterQueueUrl": self.prices.dead_letter_queue.queue_url,
            "WatchScheduleDeadLetterQueueUrl": self.watch.dead_letter_queue.queue_url,
            "DashboardName": self.monitoring.dashboard.dashboard_name,
            "DefaultEventArchiveArn": self.ingest.archive.archive_arn,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
        if not config.alert_emails and not config.ops_emails:
            Annotations.of(self).add_warning_v2("jobtracker:no-subscribers", NO_SUBSCRIBERS)
        # Always on: a new finding fails the tests until it is fixed or justified.
        Aspects.of(self).add(AwsSolutionsChecks(verbose=True))
