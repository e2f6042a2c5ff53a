"""A function on a schedule: the rule, its retries, and a dead-letter queue for the runs
EventBridge could not start. The reconciler and the price refresh are built by it."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.queues import dead_letter_queue


@dataclass(frozen=True)
class Scheduled:
    rule: events.Rule
    dead_letter_queue: sqs.Queue


def run_on_schedule(
    scope: Construct,
    function: lambda_.IFunction,
    *,
    expression: str,
    description: str,
    holds: str,
    retries: int,
    max_age: Duration,
) -> Scheduled:
    """`function` started by `expression`; a run not started after `retries` attempts or
    `max_age` goes to the dead-letter queue ("ScheduleDeadLetterQueue", holding `holds`)."""
    queue = dead_letter_queue(scope, "ScheduleDeadLetterQueue", holds=holds)
    rule = events.Rule(
        scope,
        "Schedule",
        description=description,
        schedule=events.Schedule.expression(expression),
        targets=[
            targets.LambdaFunction(
                function, dead_letter_queue=queue, retry_attempts=retries, max_event_age=max_age
            )
        ],
    )
    return Scheduled(rule, queue)
