"""The reconciler: on a schedule, heal missed events and backfill from SageMaker."""

from __future__ import annotations

import json

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.alerts import Alerts
from infra.config import StackConfig
from infra.functions import FunctionSettings, TrackerFunction
from infra.ingest import grant_writer, writer_environment
from infra.members import LIST_TRAINING_JOBS, LIST_TRAINING_JOBS_REASON
from infra.nag import suppress
from infra.schedules import run_on_schedule
from infra.storage import Storage

RECONCILE = FunctionSettings("reconcile", memory_size=512, timeout=Duration.minutes(5))
# A run that misses its hour is not worth starting late: the next one covers it.
INVOKE_RETRIES = 2
INVOKE_MAX_AGE = Duration.hours(1)
# A listed job is described, and its tags listed (DescribeTrainingJob leaves them out).
RECONCILE_JOB_ACTIONS = ("sagemaker:DescribeTrainingJob", "sagemaker:ListTags")
# Its progress and a job before abandoning its enrichment are one GetItem each; the stored
# versions of a listed page's jobs one BatchGetItem. (The pending ones: an index query.)
RECONCILE_TABLE_READS = ("dynamodb:GetItem", "dynamodb:BatchGetItem")


def member_places(config: StackConfig, home_region: str) -> dict[str, str]:
    """MEMBER_PLACES: the accounts and regions listed besides the tracker's own, each
    `account:region` (comma-separated), which the reconciler walks as it walks home.

    Every source account in every source region (the tracker's region if none); the
    tracker's own account in the source regions too, read with its own role.
    """
    regions = config.source_regions or (home_region,)
    places = [f"{account}:{region}" for account in config.source_accounts for region in regions]
    places += [f"{Aws.ACCOUNT_ID}:{region}" for region in config.source_regions]
    return {"MEMBER_PLACES": ",".join(places)} if places else {}


class Reconcile(Construct):
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
            "Reconcile",
            settings=RECONCILE,
            config=config,
            environment={
                **writer_environment(config, storage, alerts),
                "BACKFILL_DAYS": str(config.backfill_days),
                "ALERT_LOOKBACK_HOURS": str(config.alert_lookback_hours),
                # Absent with no members: the reconciler walks home only.
                **member_places(config, Stack.of(self).region),
                # Checked after each run; alerts on the alert topic (docs/cost.md).
                **({"BUDGETS": json.dumps(dict(config.budgets))} if config.budgets else {}),
            },
            reads_members=True,
        )
        self.function = function.function
        grant_writer(self.function, config, storage, alerts, job_actions=RECONCILE_JOB_ACTIONS)
        # Budgets read their groups' month (a Query of the table), checked after each run.
        budget_reads = ("dynamodb:Query",) if config.budgets else ()
        storage.grant_read(self.function, RECONCILE_TABLE_READS + budget_reads)
        # Kept apart from the role's other statements so its '*' is reviewed on its own.
        list_jobs = iam.Policy(
            self,
            "ListTrainingJobs",
            statements=[iam.PolicyStatement(actions=[LIST_TRAINING_JOBS], resources=["*"])],
            roles=[function.role],
        )
        suppress(list_jobs, "AwsSolutions-IAM5", LIST_TRAINING_JOBS_REASON, "Resource::*")

        scheduled = run_on_schedule(
            self,
            self.function,
            expression=config.reconcile_schedule,
            description="Starts the jobtracker reconciler",
            holds="scheduled runs that could not be started",
            retries=INVOKE_RETRIES,
            max_age=INVOKE_MAX_AGE,
        )
        self.dead_letter_queue = scheduled.dead_letter_queue
        self.schedule = scheduled.rule
