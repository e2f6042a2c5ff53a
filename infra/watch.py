"""The watch: on a schedule, alert on jobs in flight that are stuck or near a time limit."""

from __future__ import annotations

import json

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from infra.alerts import Alerts
from infra.config import StackConfig
from infra.functions import FunctionSettings, TrackerFunction
from infra.queues import dead_letter_queue
from infra.storage import Storage

# Reads the jobs in flight (a few Query pages) and publishes a few alerts: well within a
# minute even for thousands of jobs in flight.
WATCH = FunctionSettings("watch", memory_size=256, timeout=Duration.minutes(1))
# A run that could not start is not worth starting late: the next one looks again.
INVOKE_RETRIES = 1


def watch_environment(config: StackConfig, storage: Storage, alerts: Alerts) -> dict[str, str]:
    return {
        "TABLE_NAME": storage.table.table_name,
        "ALERT_TOPIC_ARN": alerts.topic.topic_arn,
        "ALERT_KINDS": ",".join(config.alert_kinds),
        "STUCK_AFTER_MINUTES": json.dumps(dict(config.stuck_after_minutes)),
        "NEAR_MAX_PERCENT": str(config.near_max_percent),
    }


# An episode's claim: a transaction of a put and a check of the job item, then the sent
# mark (an update), or its release (a delete) when the publish fails.
WATCH_TABLE_WRITES = (
    "dynamodb:PutItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)


class Watch(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        storage: Storage,
        alerts: Alerts,
    ) -> None:
        super().__init__(scope, construct_id)
        function = TrackerFunction(
            self,
            "Watch",
            settings=WATCH,
            config=config,
            environment=watch_environment(config, storage, alerts),
        )
        self.function = function.function
        # Reads the by-status index, and a troubled job's record for its message (one
        # GetItem); writes only alert claims (the claim's transaction checks the job item
        # too). No SageMaker access at all.
        storage.grant_read(self.function, table_actions=("dynamodb:GetItem",))
        storage.grant_write(self.function, WATCH_TABLE_WRITES)
        alerts.grant_publish(self.function)
        self.dead_letter_queue = dead_letter_queue(
            self, "ScheduleDeadLetterQueue", holds="scheduled watch runs that could not start"
        )
        interval = Duration.minutes(config.watch_interval_minutes)
        self.schedule = events.Rule(
            self,
            "Schedule",
            description="Starts the jobtracker watch over jobs in flight",
            schedule=events.Schedule.rate(interval),
            targets=[
                targets.LambdaFunction(
                    self.function,
                    dead_letter_queue=self.dead_letter_queue,
                    retry_attempts=INVOKE_RETRIES,
                    max_event_age=interval,
                )
            ],
        )
