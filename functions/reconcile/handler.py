"""Reconcile: on a schedule, what events missed -> the same store and alert path.

Finishes pending enrichments, lists the jobs SageMaker changed since the watermark,
describes the new and changed ones and stores them through the ingest Pipeline. Stops
before the function's timeout and saves its progress; the next run resumes there.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtracker.alerts.wiring import configured_alerter
from jobtracker.config import ReconcileConfig
from jobtracker.ingest import Pipeline
from jobtracker.observability import MetricUnit, logger, metrics, tracer
from jobtracker.reconcile import DAY_MS, HOUR_MS, Reconciler, ReconcileReport, ReconcileSettings
from jobtracker.sagemaker import job_clients
from jobtracker.store.repository import JobRepository

CONFIG = ReconcileConfig.from_env()
REPOSITORY = JobRepository(CONFIG.table)
# The same alerter as ingest: a job the reconciler finds failed alerts once, whichever
# writer stores it first; the reconciler leaves it out for jobs ended before the lookback.
ALERTER = configured_alerter(CONFIG.alerts, CONFIG.table, REPOSITORY.models)
RECONCILER = Reconciler(
    connect=job_clients(CONFIG.home, CONFIG.member_access),
    pipeline=Pipeline(repository=REPOSITORY, alerter=ALERTER),
    home=CONFIG.home,
    settings=ReconcileSettings(
        backfill_ms=CONFIG.backfill_days * DAY_MS,
        alert_lookback_ms=CONFIG.alert_lookback_hours * HOUR_MS,
    ),
)


def reconcile(context: LambdaContext, reconciler: Reconciler = RECONCILER) -> ReconcileReport:
    report = reconciler.run(context.get_remaining_time_in_millis)
    metrics.add_metric(name="JobsReconciled", unit=MetricUnit.Count, value=report.stored)
    metrics.add_metric(name="EnrichmentsHealed", unit=MetricUnit.Count, value=report.healed)
    metrics.add_metric(name="EnrichmentsAbandoned", unit=MetricUnit.Count, value=report.abandoned)
    metrics.add_metric(name="AlertsSent", unit=MetricUnit.Count, value=report.alerts)
    if report.stopped:
        logger.warning("reconcile stopped early; the next run resumes", extra=report.as_dict())
    else:
        logger.info("reconcile done", extra=report.as_dict())
    return report


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return reconcile(context).as_dict()
