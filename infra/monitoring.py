"""Alarms (to the ops topic) and the dashboard an operator opens first."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from jobtracker.names import (
    ALERT_PUBLISH_FAILURES,
    ALERTS_SENT,
    ENRICHMENT_FAILURES,
    EVENTS_STORED,
    JOBS_RECONCILED,
    MEMBER_FAILURES,
    METRICS_NAMESPACE,
    POISON_EVENTS,
    SERVICE_NAME,
    STALE_EVENTS,
)

from infra.api import Api
from infra.config import StackConfig
from infra.ingest import Ingest
from infra.prices import Prices
from infra.reconcile import Reconcile
from infra.watch import Watch

PERIOD = Duration.minutes(5)
# Any one of these is worth a look the same day.
ALARMED_METRICS = (POISON_EVENTS, ALERT_PUBLISH_FAILURES)


def tracker_metric(name: str, statistic: str = "Sum") -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": SERVICE_NAME},
        statistic=statistic,
        period=PERIOD,
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        ingest: Ingest,
        api: Api,
        reconcile: Reconcile,
        ops_topic: sns.ITopic,
        prices: Prices | None = None,
        watch: Watch | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.action = actions.SnsAction(ops_topic)
        self.dead_letter_queues: dict[str, sqs.IQueue] = {
            "IngestDeadLetters": ingest.dead_letter_queue,
            "EventDeadLetters": ingest.events_dead_letter_queue,
            "ScheduleDeadLetters": reconcile.dead_letter_queue,
        }
        self.functions: dict[str, lambda_.IFunction] = {
            "Ingest": ingest.function,
            "Api": api.function,
            "Reconcile": reconcile.function,
        }
        if prices is not None:
            # A refresh that fails keeps the previous prices: worth a look, not a page.
            self.dead_letter_queues["PriceScheduleDeadLetters"] = prices.dead_letter_queue
            self.functions["Prices"] = prices.function
        if watch is not None:
            self.dead_letter_queues["WatchScheduleDeadLetters"] = watch.dead_letter_queue
            self.functions["Watch"] = watch.function

        for name, queue in self.dead_letter_queues.items():
            self.alarm(
                f"{name}Alarm",
                queue.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic="Maximum"
                ),
                threshold=1,
                description=f"Messages wait in the {name} queue: inspect, fix, then redrive.",
            )
        for name, function in self.functions.items():
            self.alarm(
                f"{name}ErrorsAlarm",
                function.metric_errors(period=PERIOD, statistic="Sum"),
                threshold=1,
                description=f"The {name} function failed invocations.",
            )
            self.alarm(
                f"{name}ThrottlesAlarm",
                function.metric_throttles(period=PERIOD, statistic="Sum"),
                threshold=1,
                description=f"The {name} function was throttled.",
            )
        self.alarm(
            "IngestQueueAgeAlarm",
            ingest.queue.metric_approximate_age_of_oldest_message(
                period=PERIOD, statistic="Maximum"
            ),
            threshold=config.queue_age_alarm_seconds,
            description="Events wait in the ingest queue: ingest is failing or too slow.",
        )
        self.alarm(
            "Api5xxAlarm",
            api.http_api.metric_server_error(period=PERIOD, statistic="Sum"),
            threshold=1,
            description="The query API answered with server errors.",
        )
        for metric_name in ALARMED_METRICS:
            self.alarm(
                f"{metric_name}Alarm",
                tracker_metric(metric_name),
                threshold=1,
                description=f"jobtracker reported {metric_name}.",
            )
        self.alarm(
            f"{MEMBER_FAILURES}Alarm",
            tracker_metric(MEMBER_FAILURES),
            threshold=1,
            description="A member account's jobs could not be read through its member role: "
            "they are stored from their events, pending, and retried by the reconciler. "
            "The functions' logs name the account and the reason (AccessDenied: the member "
            "stack is missing there, or the account is not in source_accounts).",
        )
        self.dashboard = self.build_dashboard(api)

    def alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, *, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self.action)
        return alarm

    def build_dashboard(self, api: Api) -> cloudwatch.Dashboard:
        def graph(title: str, metrics: list[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(title=title, left=metrics, width=8)

        latency = [
            api.http_api.metric_latency(period=PERIOD, statistic=stat, label=f"latency {stat}")
            for stat in ("p50", "p99")
        ]
        queue_depth = [
            queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum", label=name
            )
            for name, queue in self.dead_letter_queues.items()
        ]
        errors: list[cloudwatch.IMetric] = [
            function.metric_errors(period=PERIOD, statistic="Sum", label=f"{name} errors")
            for name, function in self.functions.items()
        ]
        errors += [
            api.http_api.metric_server_error(period=PERIOD, statistic="Sum", label="API 5xx"),
            tracker_metric(ENRICHMENT_FAILURES),
            tracker_metric(ALERT_PUBLISH_FAILURES),
            tracker_metric(MEMBER_FAILURES),
        ]
        dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.days(1))
        dashboard.add_widgets(
            graph("Events ingested", [tracker_metric(EVENTS_STORED)]),
            graph(
                "Stale and poison events",
                [tracker_metric(STALE_EVENTS), tracker_metric(POISON_EVENTS)],
            ),
            graph("Alerts sent", [tracker_metric(ALERTS_SENT)]),
        )
        dashboard.add_widgets(
            graph("Dead-letter queue depth", queue_depth),
            graph("API latency (ms)", latency),
            graph("Errors", errors),
        )
        dashboard.add_widgets(graph("Jobs reconciled", [tracker_metric(JOBS_RECONCILED)]))
        return dashboard
