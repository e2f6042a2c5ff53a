"""Events in: the state-change rule, its archive, the ingest queue and the ingest function."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from jobtracker.names import MEMBER_ACCESS_ASSUME_ROLE

from infra.alerts import Alerts
from infra.config import StackConfig
from infra.event_pattern import EVENT_PATTERN
from infra.functions import FunctionSettings, TrackerFunction
from infra.members import default_bus_arn
from infra.nag import suppress
from infra.queues import dead_letter_queue, secure_queue
from infra.storage import Storage

INGEST = FunctionSettings("ingest", memory_size=512, timeout=Duration.seconds(30))
BATCH_SIZE = 10
# Lambda's advice for SQS sources: visibility >= 6x the function timeout, so messages of a
# throttled or retried batch are not received again while still being worked on.
VISIBILITY_TIMEOUT = Duration.seconds(6 * int(INGEST.timeout.to_seconds()))
MAX_RECEIVES = 5
# Ingest keeps up within minutes; four days covers a long outage, the archive the rest.
QUEUE_RETENTION = Duration.days(4)
# EventBridge keeps retrying delivery to the queue for a day before dead-lettering.
DELIVERY_RETRIES = 185
DELIVERY_MAX_AGE = Duration.hours(24)


def event_pattern() -> events.EventPattern:
    return events.EventPattern(
        **{key.replace("-", "_"): values for key, values in EVENT_PATTERN.items()}
    )


def writer_environment(config: StackConfig, storage: Storage, alerts: Alerts) -> dict[str, str]:
    """Ingest and reconcile both run normalise -> store -> alert: the same settings.

    Both read a member account's jobs through its member role (MEMBER_ACCESS).
    """
    return {
        "TABLE_NAME": storage.table.table_name,
        "ALERT_TOPIC_ARN": alerts.topic.topic_arn,
        "ALERT_KINDS": ",".join(config.alert_kinds),
        "MEMBER_ACCESS": MEMBER_ACCESS_ASSUME_ROLE,
        "MEMBER_ROLE_NAME": config.member_role_name,
        "STORE_ENVIRONMENT_VALUES": "true" if config.store_environment_values else "false",
        **pricing_environment(config),
    }


def pricing_environment(config: StackConfig) -> dict[str, str]:
    """How the writers price jobs (jobtracker.config.pricing_config): the deploy's rates,
    discount and cost tags; the api reads COST_TAGS too."""
    return {
        "PRICE_OVERRIDES": json.dumps(dict(config.price_overrides), sort_keys=True),
        "PRICE_DISCOUNT_PERCENT": f"{config.price_discount_percent:g}",
        "COST_TAGS": ",".join(config.cost_tags),
    }


def ingest_reserved_concurrency(config: StackConfig) -> int | None:
    """As much as the queue may start, so that valid events are never throttled into the DLQ.

    The queue's maximum concurrency only caps the invocations; it reserves nothing. When
    other functions take the account's whole concurrency, Lambda throttles ingest, each
    throttled batch counts a receive, and after MAX_RECEIVES valid events are dead
    letters. A reservation equal to the maximum guarantees the function what the queue
    can ask of it: less would throttle it (the event source does not account for it),
    more would take from the account's pool what the queue never uses.
    """
    return config.ingest_max_concurrency if config.ingest_reserve_concurrency else None


# Enrichment of a terminal event: the event brings its tags, so DescribeTrainingJob alone.
ENRICHMENT_ACTIONS = ("sagemaker:DescribeTrainingJob",)


def grant_writer(
    function: lambda_.Function,
    config: StackConfig,
    storage: Storage,
    alerts: Alerts,
    job_actions: tuple[str, ...] = ENRICHMENT_ACTIONS,
) -> None:
    """What the store-and-alert path needs: table writes, the alert topic, job reads.

    Its writes are conditional and read nothing first; its one table read is the stored
    job that a stale snapshot's alert is told from (alerts/alerter.py, `_as_stored`)."""
    storage.grant_write(function)
    storage.grant_get_item(function)
    alerts.grant_publish(function)
    grant_training_job_reads(function, job_actions, config)


def grant_training_job_reads(
    function: lambda_.Function, actions: tuple[str, ...], config: StackConfig
) -> None:
    """Read-only SageMaker actions on this account's training jobs: in this region, and
    in every region when jobs are tracked in others (`source_regions`)."""
    job_arns = Stack.of(function).format_arn(
        service="sagemaker",
        region="*" if config.source_regions else None,
        resource="training-job",
        resource_name="*",
    )
    function.add_to_role_policy(iam.PolicyStatement(actions=list(actions), resources=[job_arns]))
    assert function.role is not None
    suppress(
        function.role,
        "AwsSolutions-IAM5",
        "Training job names are not known at deploy time; the resource is limited to "
        "training jobs of this account (and region, unless jobs are tracked in other "
        "regions), for read-only actions.",
        # With an account and region in the stack's env (every `cdk deploy`), the ARN
        # holds them literally instead of as tokens: both forms are the same finding.
        # The region is '*' when jobs are tracked in other regions (`source_regions`).
        r"/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):sagemaker:(<AWS::Region>|[a-z0-9-]+|\*):"
        r"(<AWS::AccountId>|\d{12}):training-job\/\*$/",
    )


class Ingest(Construct):
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
        self.dead_letter_queue = dead_letter_queue(
            self, "DeadLetterQueue", holds="ingest messages received 5 times without success"
        )
        self.queue = secure_queue(
            self,
            "Queue",
            visibility_timeout=VISIBILITY_TIMEOUT,
            retention_period=QUEUE_RETENTION,
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=MAX_RECEIVES, queue=self.dead_letter_queue
            ),
        )
        self.events_dead_letter_queue = dead_letter_queue(
            self, "EventsDeadLetterQueue", holds="events EventBridge could not deliver"
        )
        if config.source_accounts or config.organization_id:
            admit_member_events(self, config)
        self.archive = self.route_events(config)

        self.function = TrackerFunction(
            self,
            "Ingest",
            settings=INGEST,
            config=config,
            environment=writer_environment(config, storage, alerts),
            reads_members=True,
            reserved_concurrency=ingest_reserved_concurrency(config),
        ).function
        self.function.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=BATCH_SIZE,
                report_batch_item_failures=True,
                max_concurrency=config.ingest_max_concurrency,
            )
        )
        grant_writer(self.function, config, storage, alerts)

    def route_events(self, config: StackConfig) -> events.Archive:
        """A rule and an archive on the default bus; member accounts forward to it too.

        Neither filters on `account`: a member's events, which keep their account and
        region, take the same way as this account's.
        """
        target = targets.SqsQueue(
            self.queue,
            dead_letter_queue=self.events_dead_letter_queue,
            retry_attempts=DELIVERY_RETRIES,
            max_event_age=DELIVERY_MAX_AGE,
        )
        bus = events.EventBus.from_event_bus_name(self, "DefaultBus", "default")
        events.Rule(
            self, "StateChangeRule", event_bus=bus, event_pattern=event_pattern(), targets=[target]
        )
        return events.Archive(
            self,
            "Archive",
            source_event_bus=bus,
            event_pattern=event_pattern(),
            retention=Duration.days(config.archive_retention_days),
        )


def admit_member_events(scope: Construct, config: StackConfig) -> None:
    """The default bus accepts PutEvents of SageMaker state changes from the members.

    From the listed accounts, and with `organization_id` from any account of the
    organization (so an account that StackSets deploys to automatically is heard at
    once). Only this source and detail type: the default bus is the whole account's.
    A statement per grant on the default bus's policy, named after the stack, so two
    trackers in one account do not overwrite each other's.
    """
    stack = Stack.of(scope)
    bus_arn = default_bus_arn(stack.account, stack.region)
    only_state_changes = {
        "StringEquals": {
            "events:source": EVENT_PATTERN["source"],
            "events:detail-type": EVENT_PATTERN["detail-type"],
        }
    }
    grants: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    if config.source_accounts:
        principals = [
            f"arn:{Aws.PARTITION}:iam::{account}:root" for account in config.source_accounts
        ]
        grants["Accounts"] = ({"AWS": principals}, only_state_changes)
    if config.organization_id:
        in_organization = {"aws:PrincipalOrgID": config.organization_id}
        grants["Organization"] = (
            "*",
            {"StringEquals": {**only_state_changes["StringEquals"], **in_organization}},
        )
    for name, (principal, condition) in grants.items():
        statement_id = f"{stack.stack_name[:40]}-Members{name}"
        events.CfnEventBusPolicy(
            scope,
            f"DefaultBusMembers{name}",
            event_bus_name="default",
            statement_id=statement_id,
            statement={
                "Sid": statement_id,
                "Effect": "Allow",
                "Principal": principal,
                "Action": "events:PutEvents",
                "Resource": bus_arn,
                "Condition": condition,
            },
        )
