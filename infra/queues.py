"""Queues share one security baseline: SQS-managed encryption and TLS-only access."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import suppress

DEAD_LETTER_RETENTION = Duration.days(14)  # the SQS maximum: time to find and fix the cause


def secure_queue(scope: Construct, construct_id: str, **props: Any) -> sqs.Queue:
    # SQS-managed keys, not the AWS-managed KMS key: EventBridge cannot send to a queue
    # encrypted with alias/aws/sqs.
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        **props,
    )


def dead_letter_queue(scope: Construct, construct_id: str, *, holds: str) -> sqs.Queue:
    """A queue that keeps what `holds` names for 14 days; alarmed on in monitoring."""
    queue = secure_queue(scope, construct_id, retention_period=DEAD_LETTER_RETENTION)
    suppress(
        queue,
        "AwsSolutions-SQS3",
        f"This queue is itself a dead-letter queue ({holds}); its depth is alarmed on.",
    )
    return queue
