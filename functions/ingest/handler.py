"""Ingest: SQS batches of SageMaker state-change events -> the store -> alerts.

A malformed event fails only its own record (partial batch response): SQS retries it
and, after the queue's maxReceiveCount, moves it to the dead-letter queue. The reason is
logged each time with the event id as correlation id. So does an alert that could not
be published: its claim is released and the redelivery publishes it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtracker.alerts.alerter import AlertInFlight, AlertPublishFailed
from jobtracker.composition import configured_pipeline
from jobtracker.config import IngestConfig
from jobtracker.errors import MalformedEvent
from jobtracker.names import (
    ALERT_PUBLISH_FAILURES,
    ALERTS_SENT,
    ENRICHMENT_FAILURES,
    ENRICHMENT_PENDING,
    EVENTS_STORED,
    MEMBER_FAILURES,
    POISON_EVENTS,
    STALE_EVENTS,
)
from jobtracker.observability import MetricUnit, logger, metrics, tracer
from jobtracker.outcomes import StoreOutcome
from jobtracker.pipeline import Pipeline, PipelineResult, parse_state_change
from jobtracker.sqs_batch import PartialBatchResponse, SQSMessage, process_partial_batch

CONFIG = IngestConfig.from_env()
PIPELINE = configured_pipeline(CONFIG)


def ingest_record(record: SQSMessage, pipeline: Pipeline = PIPELINE) -> PipelineResult:
    logger.set_correlation_id(None)
    try:
        change = parse_state_change(record.body, CONFIG.redaction)
    except MalformedEvent as error:
        logger.error("poison event", extra={"reason": str(error), "message_id": record.message_id})
        metrics.add_metric(name=POISON_EVENTS, unit=MetricUnit.Count, value=1)
        raise
    logger.set_correlation_id(change.event_id)
    snapshot = change.snapshot
    logger.append_keys(
        training_job_name=snapshot.name, account=snapshot.account, region=snapshot.region
    )
    try:
        result = pipeline.handle(change.snapshot)
    except MalformedEvent as error:
        logger.error("event cannot be stored", extra={"reason": str(error)})
        metrics.add_metric(name=POISON_EVENTS, unit=MetricUnit.Count, value=1)
        raise
    except AlertPublishFailed as error:
        logger.error("alert not published, will retry", extra={"reason": str(error)})
        metrics.add_metric(name=ALERT_PUBLISH_FAILURES, unit=MetricUnit.Count, value=1)
        raise
    except AlertInFlight as error:
        logger.warning(
            "alert being published elsewhere, will check again", extra={"reason": str(error)}
        )
        raise
    finally:
        logger.remove_keys(["training_job_name", "account", "region"])
    outcome = result.outcome
    if result.snapshot.enrichment_pending:
        metrics.add_metric(name=ENRICHMENT_FAILURES, unit=MetricUnit.Count, value=1)
        if result.snapshot.account != CONFIG.home.account:
            # A member's job left pending: its role denied, throttled or unreachable (or
            # its description lagging); the reconciler retries it in that member's walk.
            metrics.add_metric(name=MEMBER_FAILURES, unit=MetricUnit.Count, value=1)
    if outcome is StoreOutcome.STORED:
        metrics.add_metric(name=EVENTS_STORED, unit=MetricUnit.Count, value=1)
    else:
        metrics.add_metric(name=STALE_EVENTS, unit=MetricUnit.Count, value=1)
    logger.info(
        "snapshot " + outcome.value,
        extra={
            "status": result.snapshot.status,
            "order_key": result.snapshot.order_key,
            ENRICHMENT_PENDING: result.snapshot.enrichment_pending,
        },
    )
    for kind in result.alerts:
        logger.info(
            "alert published", extra={"alert_kind": kind, "training_job_name": change.snapshot.name}
        )
        metrics.add_metric(name=ALERTS_SENT, unit=MetricUnit.Count, value=1)
    return result


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialBatchResponse:
    return process_partial_batch(event, ingest_record, logger)
