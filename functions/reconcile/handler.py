"""Reconcile: on a schedule, what events missed -> the same store and alert path.

In each tracked account and region (home, then the members of MEMBER_PLACES, the most
behind first), finishes pending enrichments, lists the jobs SageMaker changed since that
place's watermark, describes the new and changed ones and stores them through the
pipeline ingest stores through. A member whose SageMaker cannot be read is counted
(MemberFailures) and skipped until the next run. Stops before the function's timeout and
saves its progress; the next run resumes there. Then checks the budgets (BUDGETS): each
threshold a group's month to date has crossed alerts once (jobtracker.budgets).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtracker.composition import (
    configured_budget_watch,
    configured_clients,
    configured_pipeline,
)
from jobtracker.config import ReconcileConfig
from jobtracker.names import (
    ALERT_PUBLISH_FAILURES,
    ALERTS_SENT,
    ENRICHMENTS_ABANDONED,
    ENRICHMENTS_HEALED,
    JOBS_RECONCILED,
    MEMBER_FAILURES,
)
from jobtracker.observability import MetricUnit, logger, metrics, tracer
from jobtracker.reconcile import DAY_MS, HOUR_MS, Reconciler, ReconcileSettings
from jobtracker.reconcile_walk import PlaceReconciler, WalkReport, places_to_walk, walk
from jobtracker.record import Place

if TYPE_CHECKING:
    # Loaded only when budgets are set (BUDGETS), by composition.configured_budget_watch.
    from jobtracker.budgets import BudgetWatch

CONFIG = ReconcileConfig.from_env()
CLIENTS = configured_clients(CONFIG)
# The same pipeline as ingest's, alerter and all: a job the reconciler finds failed alerts
# once, whichever writer stores it first; the reconciler leaves the alerts out for jobs
# ended before the lookback, and the enricher out always (it has just described the job).
PIPELINE = configured_pipeline(CONFIG, CLIENTS)
SETTINGS = ReconcileSettings(
    backfill_ms=CONFIG.backfill_days * DAY_MS,
    alert_lookback_ms=CONFIG.alert_lookback_hours * HOUR_MS,
    redaction=CONFIG.redaction,
)
# Budgets are checked after each run, not per event: ingest's requests stay as they are.
BUDGETS = configured_budget_watch(CONFIG, PIPELINE.repository.models)
# One reconciler per account and region: home, then each member (MEMBER_PLACES).
RECONCILERS = [
    (place, Reconciler(connect=CLIENTS, pipeline=PIPELINE, place=place, settings=SETTINGS))
    for place in places_to_walk(CONFIG.home, CONFIG.members)
]


def reconcile(
    context: LambdaContext, reconcilers: Sequence[tuple[Place, PlaceReconciler]] = RECONCILERS
) -> WalkReport:
    walked = walk(CONFIG.home, reconcilers, context.get_remaining_time_in_millis)
    report = walked.total
    metrics.add_metric(name=JOBS_RECONCILED, unit=MetricUnit.Count, value=report.stored)
    metrics.add_metric(name=ENRICHMENTS_HEALED, unit=MetricUnit.Count, value=report.healed)
    metrics.add_metric(name=ENRICHMENTS_ABANDONED, unit=MetricUnit.Count, value=report.abandoned)
    metrics.add_metric(name=ALERTS_SENT, unit=MetricUnit.Count, value=report.alerts)
    failed = walked.failed_members
    metrics.add_metric(name=MEMBER_FAILURES, unit=MetricUnit.Count, value=len(failed))
    for place in failed:
        logger.warning(
            "member not reconciled; its jobs wait for the next run",
            extra={
                "account": place.account,
                "region": place.region,
                "reason": walked.places[place].stopped,
            },
        )
    if report.stopped:
        logger.warning("reconcile stopped early; the next run resumes", extra=walked.as_dict())
    else:
        logger.info("reconcile done", extra=walked.as_dict())
    return walked


def check_budgets(watch: BudgetWatch | None = BUDGETS) -> dict[str, Any]:
    """The budgets' report; nothing when none are set."""
    if watch is None:
        return {}
    report = watch.check()
    metrics.add_metric(name=ALERTS_SENT, unit=MetricUnit.Count, value=len(report.sent))
    if report.failed:
        metrics.add_metric(
            name=ALERT_PUBLISH_FAILURES, unit=MetricUnit.Count, value=len(report.failed)
        )
        logger.error(
            "budget alerts not published; the next run publishes them", extra=report.as_dict()
        )
    elif report.sent:
        logger.info("budget alerts sent", extra=report.as_dict())
    return report.as_dict()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    walked = reconcile(context)
    return {**walked.as_dict(), **check_budgets()}
