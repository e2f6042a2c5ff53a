"""The names jobtracker shares beyond one module: written here once, imported everywhere.

The functions, the stack (infra/), the local stack and the bench take these from here;
the command-line client, installed without this package, keeps its own copy of the
statuses, which tests/unit/test_one_source.py holds equal to this one. Alert kinds live
with their rules (`jobtracker.alert_kinds.AlertKind`), index names with the queries'
key ranges (`jobtracker.indexes.IndexName`). See docs/design.md, "Names and where each
lives".

Nothing is imported here: every handler loads this module, and it must cost nothing.
"""

from __future__ import annotations

# A training job's status (TrainingJobStatus), as SageMaker spells it.
IN_PROGRESS = "InProgress"
STOPPING = "Stopping"
COMPLETED = "Completed"
FAILED = "Failed"
STOPPED = "Stopped"
# In this order wherever a user sees them: the API's enum and /stats counts, the web view.
STATUSES = (IN_PROGRESS, STOPPING, COMPLETED, FAILED, STOPPED)

# The field of a job's record and summary, not SageMaker's, that says the job has ended
# but DescribeTrainingJob has not completed its record yet (docs/design.md, "Writing a
# snapshot"). The API serves it and the ingest function logs it under this name.
ENRICHMENT_PENDING = "enrichment_pending"

# Where SageMaker writes a training job's logs (one stream per instance, `<job>/algo-N-...`):
# alerts, the CLI and the web view link there.
TRAINING_JOB_LOG_GROUP = "/aws/sagemaker/TrainingJobs"

# The EventBridge event every job change arrives as: the rule's pattern and the parser's
# check.
EVENT_SOURCE = "aws.sagemaker"
EVENT_DETAIL_TYPE = "SageMaker Training Job State Change"

# MEMBER_ACCESS, how the functions read SageMaker in an account other than the tracker's
# own: not at all (a foreign job is stored from its event, marked pending); through the
# emulator's convention (moto), a request's x-moto-account-id header naming its account;
# through the member role of the job's account (the deployed stack, jobtracker.member_role).
MEMBER_ACCESS_NONE = ""
MEMBER_ACCESS_EMULATOR = "emulator-account-header"
MEMBER_ACCESS_ASSUME_ROLE = "assume-role"
MEMBER_ACCESS_MODES = (MEMBER_ACCESS_NONE, MEMBER_ACCESS_EMULATOR, MEMBER_ACCESS_ASSUME_ROLE)

# The functions' service name (their logs' `service`, their metrics' dimension) and the
# CloudWatch namespace of their metrics, as the stack sets them.
SERVICE_NAME = "jobtracker"
METRICS_NAMESPACE = "jobtracker"

# The metrics the functions emit (the stack sets their namespace and service dimension),
# and the alarms and dashboard read.
EVENTS_STORED = "EventsStored"
STALE_EVENTS = "StaleEvents"
POISON_EVENTS = "PoisonEvents"
ALERTS_SENT = "AlertsSent"
ALERT_PUBLISH_FAILURES = "AlertPublishFailures"
ENRICHMENT_FAILURES = "EnrichmentFailures"
JOBS_RECONCILED = "JobsReconciled"
ENRICHMENTS_HEALED = "EnrichmentsHealed"
ENRICHMENTS_ABANDONED = "EnrichmentsAbandoned"
# A member account's jobs could not be read (its role denied, throttled, unreachable):
# counted by ingest per job left pending, by the reconciler per member it could not walk.
MEMBER_FAILURES = "MemberFailures"
# The jobs the watch found in flight on its last run.
JOBS_IN_FLIGHT = "JobsInFlight"
METRIC_NAMES = (
    EVENTS_STORED,
    STALE_EVENTS,
    POISON_EVENTS,
    ALERTS_SENT,
    ALERT_PUBLISH_FAILURES,
    ENRICHMENT_FAILURES,
    JOBS_RECONCILED,
    ENRICHMENTS_HEALED,
    ENRICHMENTS_ABANDONED,
    MEMBER_FAILURES,
    JOBS_IN_FLIGHT,
)
