"""Watch: on a schedule, alert on the jobs in flight that are stuck or near a time limit.

Reads the InProgress and Stopping partitions of the by-status index (the jobs in flight,
nothing else) and publishes each trouble once per job, kind and episode (docs/alerts.md,
"Before a job fails"). An alert that could not go out is logged, counted, and tried
again by the next run.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from jobtracker.alerts.watcher import Watcher, WatchReport
from jobtracker.composition import configured_watcher
from jobtracker.config import ConfigError, WatchConfig
from jobtracker.names import ALERT_PUBLISH_FAILURES, ALERTS_SENT, JOBS_IN_FLIGHT
from jobtracker.observability import MetricUnit, logger, metrics, tracer

CONFIG = WatchConfig.from_env()
if CONFIG.alerts is None:
    # A watch with nothing to alert on is a deployment mistake, not a quiet success.
    raise ConfigError("the watch needs ALERT_KINDS and ALERT_TOPIC_ARN")
WATCHER = configured_watcher(CONFIG, CONFIG.alerts)


def watch(watcher: Watcher = WATCHER) -> WatchReport:
    report = watcher.run()
    metrics.add_metric(name=JOBS_IN_FLIGHT, unit=MetricUnit.Count, value=report.jobs_in_flight)
    metrics.add_metric(name=ALERTS_SENT, unit=MetricUnit.Count, value=len(report.alerts_sent))
    metrics.add_metric(
        name=ALERT_PUBLISH_FAILURES, unit=MetricUnit.Count, value=len(report.failures)
    )
    for failure in report.failures:
        logger.warning("alert not published, the next run tries again", extra={"alert": failure})
    for sent in report.alerts_sent:
        logger.info("alert published", extra={"alert": sent})
    return report


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = watch()
    return {
        "jobs_in_flight": report.jobs_in_flight,
        "troubles": report.troubles,
        "alerts_sent": report.alerts_sent,
        "failures": report.failures,
    }
