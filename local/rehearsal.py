"""`make rehearse`: deploy jobtracker the way a user does, into the AWS emulator, and use it.

Nothing inside the CDK CLI is mocked: the pinned CLI bootstraps, and deploys through
`make deploy`, with credentials from an AWS profile whose region is eu-west-1 (not
us-east-1, and no AWS_REGION: a Makefile that picked a region would send the stack to
the wrong one, and the rehearsal would fail), so the CLI sets CDK_DEFAULT_ACCOUNT/REGION
as in every real deploy and every cdk-nag check runs on that synthesis. Only the
endpoint differs: moto's server, with the fixes of local/deploy_fixes.py. Then the
deployed resources carry the flow: events put on the default bus go through the stack's
rule and queue into the stack's table (the ingest handler runs in this process with the
deployed function's environment, as `make local` runs it: the emulator cannot run Lambda
here), and a Failed job alerts on the stack's topic; the api answers on every route and
the reconciler runs. A second stack deploys with every subscription option and a member
account, whose own stack is deployed there; its ingest and reconcile read the member's
jobs through the member role. Every function runs with its deployed role's credentials,
and each of its calls is judged against that role's policies (local/least_privilege.py).
A changed context value updates the first stack in place; `cdk destroy` leaves its table
(Retain).

One line per step, a summary, cdk.out/rehearsal.json; exit status 1 on any failure.
CLI output goes to cdk.out/rehearsal.log. REHEARSAL_PORT picks the emulator's port (0,
the default, takes any free one); REHEARSAL_APP another CDK app for the first deploy (a
test's, built with a grant taken out).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from jobtracker import clients as jobtracker_clients
from jobtracker.record import JobIdentity, Place
from jobtracker.sagemaker_clients import in_emulator_account
from jobtracker.store.reads import JobReads

from local import demo, deploy_fixes
from local.__main__ import _queue_depth
from local.emulator import start_emulator
from local.least_privilege import CallRecorder, Emulator, Judge, as_report, role_grants, used
from local.sagemaker_jobs import put_job_in_sagemaker
from local.worker import QueueWorker, lambda_context
from synthetic.events import event_body
from synthetic.lambda_events import http_request

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "cdk.out"
CLI = ["npx", "--no-install", "cdk"]
ACCOUNT = "123456789012"  # the account moto's STS answers with
REGION = "eu-west-1"  # the profile's region: a deploy must go there, not to us-east-1
PROFILE = "jobtracker-rehearsal"
STACK = "JobTracker"
OPTIONS_STACK = "JobTrackerOptions"
OPTIONS = {
    "stack_name": OPTIONS_STACK,
    "alert_emails": "ml-platform@example.com",
    "ops_emails": "oncall@example.com",
    "source_accounts": "111111111111",
}
NO_SUBSCRIBERS_WARNING = "Nobody is subscribed"
# Types the emulator cannot create, and why; each is checked in the template instead.
NOT_CREATED = {
    "AWS::CDK::Metadata": "CDK's own metadata (construct library versions), no AWS resource",
    "AWS::Events::EventBusPolicy": "moto's CloudFormation has no event bus policy resource",
}
# Two jobs through the whole path: only the failed one alerts (alert_kinds default).
JOBS = {"rehearsal-completed": "completed", "rehearsal-failed": "failed"}
DRAIN_SECONDS = 60
# A deploy here takes well under a minute; a CLI waiting for longer waits for nothing.
CLI_TIMEOUT_SECONDS = 300
# The member account of the options stack, whose stack the rehearsal deploys as its
# administrators would: with its own credentials (a profile of its own), no bootstrap.
MEMBER = OPTIONS["source_accounts"]
MEMBER_PROFILE = "jobtracker-rehearsal-member"
MEMBER_STACK = "JobTrackerMember"
MEMBER_CONTEXT = {
    "member": "true",
    "tracker_account": ACCOUNT,
    "tracker_region": REGION,
    "tracker_stack_name": OPTIONS_STACK,
}
# A job only SageMaker knows (its events lost): the reconciler lists, describes, stores it,
# and alerts: it failed.
RECONCILED_JOB = "rehearsal-reconciled"
MEMBER_JOB = "rehearsal-member-failed"
# And a member's job whose events were lost: the member walk describes it and lists its tags.
MEMBER_LOST_JOB = "rehearsal-member-lost"
# The functions the stack starts on a schedule: each runs once, as its rule starts it
# (an empty event), under its deployed role, after the api; a new one is one more name.
SCHEDULED = ("reconcile", "watch")
# Every route of the deployed HTTP API, and what the api function reads for it: a
# listing by status reads an index, a second page needs the page-token key.
API_REQUESTS: tuple[tuple[str, str, dict[str, str] | None], ...] = (
    ("GET /jobs", "/jobs", None),
    ("GET /jobs", "/jobs", {"status": "Failed"}),
    ("GET /jobs", "/jobs", {"limit": "1"}),
    ("GET /jobs/{name}", "/jobs/rehearsal-failed", None),
    ("GET /jobs/{name}/transitions", "/jobs/rehearsal-failed/transitions", None),
    ("GET /stats", "/stats", None),
    ("GET /openapi.json", "/openapi.json", None),
    ("GET /docs", "/docs", None),
)
# Grants that no rehearsed call needs, and why each stays: what only Lambda itself does
# with a function's role (the emulator runs no Lambda here), for any function (""), and
# what a path the rehearsal does not drive needs, by function. Any other unused grant fails.
LAMBDA_WRITES_LOGS = (
    "Lambda writes the function's log group with its role; its code never calls CloudWatch Logs"
)
CLAIM_RELEASE = (
    "the alerter releases its claim when a publish fails (jobtracker/store/alert_claims.py); "
    "every rehearsed publish succeeds"
)
TRANSITIONS_OVERFLOW = (
    "a snapshot with more transitions than one transaction holds writes the rest in a batch "
    "(jobtracker/store/repository.py); the rehearsed jobs have fewer"
)
STALE_ALERT_READ = (
    "a stale snapshot that wins an alert's claim is told from the stored job, one GetItem "
    "(jobtracker/alerts/alerter.py); every rehearsed alert comes from a stored snapshot"
)
WATCH_EPISODE = (
    "the watch claims an episode and publishes only for a job in flight that is in trouble "
    "(jobtracker/alerts/watcher.py); the rehearsed jobs in flight are not, so its run reads "
    "the by-status index alone (the troubled job's record is read for its message)"
)
KEPT_UNUSED: dict[tuple[str, str], str] = {
    ("", "logs:CreateLogStream"): LAMBDA_WRITES_LOGS,
    ("", "logs:PutLogEvents"): LAMBDA_WRITES_LOGS,
    ("", "xray:PutTraceSegments"): "active tracing: Lambda sends the function's segments "
    "with its role; tracing is off in the rehearsal",
    ("", "xray:PutTelemetryRecords"): "active tracing: Lambda sends the function's telemetry "
    "with its role; tracing is off in the rehearsal",
    ("ingest", "sqs:GetQueueAttributes"): "the SQS event source mapping reads the queue's "
    "attributes with the function's role",
    ("ingest", "sqs:GetQueueUrl"): "granted by CDK's SqsEventSource with the poller's "
    "actions; the event source mapping names the queue by ARN",
    ("ingest", "sqs:ChangeMessageVisibility"): "the SQS event source mapping returns the "
    "messages of a throttled batch with it; the rehearsal's poller lets them time out",
    ("ingest", "dynamodb:DeleteItem"): CLAIM_RELEASE,
    ("reconcile", "dynamodb:DeleteItem"): CLAIM_RELEASE,
    ("ingest", "dynamodb:BatchWriteItem"): TRANSITIONS_OVERFLOW,
    ("ingest", "dynamodb:GetItem"): STALE_ALERT_READ,
    ("reconcile", "dynamodb:BatchWriteItem"): TRANSITIONS_OVERFLOW,
    **{
        ("watch", action): WATCH_EPISODE
        for action in (
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:ConditionCheckItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "sns:Publish",
            "kms:Decrypt",
            "kms:GenerateDataKey*",
        )
    },
}


def kept_unused(functions: str, action: str) -> str:
    """Why a grant no call needed stays, for every function holding the role; "" if not."""
    reasons = [
        KEPT_UNUSED.get(("", action)) or KEPT_UNUSED.get((f, action)) for f in functions.split(",")
    ]
    return "" if not all(reasons) else str(reasons[0])


class StepFailed(Exception):
    pass


@dataclass
class Summary:
    stack_status: str = ""
    resources_in_template: dict[str, int] = field(default_factory=dict)
    resources_created: dict[str, int] = field(default_factory=dict)
    not_created: dict[str, str] = field(default_factory=dict)
    events_put: int = 0
    events_stored: int = 0
    alerts_published: int = 0
    region: str = ""
    options_stack_status: str = ""
    updated_stack_status: str = ""
    table_kept_after_destroy: bool = False
    # Least privilege, judged by the calls (local/least_privilege.py): how many distinct
    # calls (and what they imply) each function made under its deployed role, which of
    # them its policies deny, and each grant no call needed with why it stays.
    calls_checked: dict[str, int] = field(default_factory=dict)
    calls_denied: list[dict[str, str]] = field(default_factory=list)
    grants_unused: list[dict[str, str]] = field(default_factory=list)
    member_stack_status: str = ""
    steps: list[str] = field(default_factory=list)
    failed: str | None = None
    seconds: float = 0.0


class Rehearsal:
    def __init__(self, endpoint: str, workdir: Path) -> None:
        self.endpoint = endpoint
        self.summary = Summary()
        self.log_path = OUT / "rehearsal.log"
        self.config_file = workdir / "config"
        self.config_file.write_text(f"[profile {PROFILE}]\nregion = {REGION}\n")
        self.credentials_file = workdir / "credentials"
        self.credentials_file.write_text(
            f"[{PROFILE}]\naws_access_key_id = rehearsal\naws_secret_access_key = rehearsal\n"
        )
        # This process reads the same profile as the CLI: its region is the profile's.
        os.environ["AWS_CONFIG_FILE"] = str(self.config_file)
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(self.credentials_file)
        self.session = boto3.Session(profile_name=PROFILE)
        assert self.session.region_name == REGION, self.session.region_name
        # What reads the deployed stack's table here (PynamoDB) takes the same profile.
        os.environ["AWS_PROFILE"] = PROFILE
        self.recorder = CallRecorder(self.assume_role)
        self.judge = Judge(Emulator(self.account_client))
        self.account_clients: dict[tuple[str, str], Any] = {}
        # One stream for the functions' output: their logger keeps the stream it started with.
        self.function_log = self.log_path.open("a")

    # -- the CLI, as a user runs it ------------------------------------------------------

    def cli_env(self, profile: str = PROFILE) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("AWS_", "CDK_DEFAULT_"))
        }
        env.update(
            AWS_CONFIG_FILE=str(self.config_file),
            AWS_SHARED_CREDENTIALS_FILE=str(self.credentials_file),
            AWS_PROFILE=profile,
            AWS_ENDPOINT_URL=self.endpoint,
        )
        return env

    def cdk(self, *args: str, context: dict[str, str] | None = None, profile: str = PROFILE) -> str:
        return self.run_cli([*CLI, *args, "--no-notices", *context_args(context)], profile)

    def deploy(self, assembly: Path, context: dict[str, str] | None = None) -> str:
        """Through `make deploy`, as the README says: the Makefile's environment counts."""
        cdk_args = ["--require-approval", "never", "--output", str(assembly)]
        cdk_args += context_args(context)
        if "REHEARSAL_APP" in os.environ:
            # Another app than cdk.json's (a test's: one grant taken out of the stack).
            cdk_args += ["--app", os.environ["REHEARSAL_APP"]]
        return self.run_cli(
            ["make", "--no-print-directory", "deploy", f"CDK_ARGS={' '.join(cdk_args)}"]
        )

    def run_cli(self, command: list[str], profile: str = PROFILE) -> str:
        with self.log_path.open("a") as log:
            log.write(f"$ {' '.join(command)}\n")
            log.flush()
            start = log.tell()
            result = subprocess.run(
                command,
                cwd=ROOT,
                env=self.cli_env(profile),
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=CLI_TIMEOUT_SECONDS,
            )
        with self.log_path.open() as log:
            log.seek(start)
            output = log.read()
        if result.returncode != 0:
            tail = "\n".join(output.strip().splitlines()[-8:])
            raise StepFailed(f"`{' '.join(command[:4])}` exited {result.returncode}:\n{tail}")
        return output

    def client(self, service: str, region: str | None = None) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint, region_name=region)

    def account_client(self, service: str, account: str | None) -> Any:
        """An administrator's client of `account` (None: the tracker's), by the emulator's
        account header: how the deployed policies are read back."""
        key = (service, account or ACCOUNT)
        if key not in self.account_clients:
            client = self.client(service)
            if account and account != ACCOUNT:
                client.meta.events.register("before-sign", in_emulator_account(account))
            self.account_clients[key] = client
        return self.account_clients[key]

    def assume_role(self, role_arn: str, session_name: str) -> dict[str, Any]:
        issued: dict[str, Any] = self.client("sts").assume_role(
            RoleArn=role_arn, RoleSessionName=session_name
        )["Credentials"]
        return issued

    # -- steps ---------------------------------------------------------------------------

    @contextmanager
    def step(self, name: str) -> Iterator[list[str]]:
        """Run one step; print one line for it; stop the rehearsal at the first failure."""
        notes: list[str] = []
        started = time.monotonic()
        try:
            yield notes
        except (
            StepFailed,
            ClientError,
            AssertionError,
            KeyError,
            subprocess.TimeoutExpired,
        ) as error:
            line = f"FAIL  {name}: {error}"
            print(line, flush=True)
            self.summary.steps.append(line)
            self.summary.failed = name
            raise StepFailed(name) from error
        line = f"ok    {name} ({time.monotonic() - started:.0f} s){': ' if notes else ''}"
        line += "; ".join(notes)
        print(line, flush=True)
        self.summary.steps.append(line)

    def stack(self, name: str, region: str = REGION) -> dict[str, Any]:
        stacks = self.client("cloudformation", region).describe_stacks(StackName=name)["Stacks"]
        stack: dict[str, Any] = stacks[0]
        return stack

    def outputs(self, name: str) -> dict[str, str]:
        return {o["OutputKey"]: o["OutputValue"] for o in self.stack(name).get("Outputs", [])}

    def physical_ids(self, name: str) -> dict[str, tuple[str, str]]:
        """Logical id -> (type, physical id), as ListStackResources reports them."""
        cloudformation = self.client("cloudformation")
        return {
            r["LogicalResourceId"]: (r["ResourceType"], r["PhysicalResourceId"])
            for page in cloudformation.get_paginator("list_stack_resources").paginate(
                StackName=name
            )
            for r in page["StackResourceSummaries"]
        }

    def check_created(self, name: str, template: dict[str, Any]) -> list[str]:
        """Every resource of the template exists, or the emulator's gap is known and said."""
        declared = Counter(r["Type"] for r in template["Resources"].values())
        created = Counter(kind for kind, _ in self.physical_ids(name).values())
        missing = declared - created
        unknown = sorted(set(missing) - set(NOT_CREATED))
        assert not unknown, f"the emulator did not create {unknown}"
        notes = [f"{sum(created.values())} of {sum(declared.values())} resources created"]
        for kind in sorted(missing):
            check_in_template(template, kind)
            notes.append(f"not created: {kind} ({NOT_CREATED[kind]}; checked in the template)")
        if name == STACK:
            self.summary.resources_in_template = dict(sorted(declared.items()))
            self.summary.resources_created = dict(sorted(created.items()))
            self.summary.not_created = {kind: NOT_CREATED[kind] for kind in sorted(missing)}
        return notes

    def run(self) -> None:
        with self.step("cdk bootstrap aws://123456789012/eu-west-1"):
            self.cdk("bootstrap", f"aws://{ACCOUNT}/{REGION}")

        assembly = OUT / "rehearsal" / "default"
        with self.step("make deploy (default context: every nag check on)") as notes:
            output = self.deploy(assembly)
            assert NO_SUBSCRIBERS_WARNING in output, "synth did not warn: nobody subscribed"
            notes.append("synth warned that nobody is subscribed")
        template = json.loads((assembly / f"{STACK}.template.json").read_text())

        with self.step(f"stack {STACK} is CREATE_COMPLETE in the profile's region") as notes:
            self.summary.stack_status = self.stack(STACK)["StackStatus"]
            assert self.summary.stack_status == "CREATE_COMPLETE", self.summary.stack_status
            assert not self.exists(STACK, "us-east-1"), "a stack went to us-east-1"
            self.summary.region = REGION
            notes.append(f"in {REGION}, none in us-east-1")
            outputs = self.outputs(STACK)
            declared = set(template["Outputs"]) - {"BootstrapVersion"}
            assert set(outputs) == declared, f"outputs {sorted(outputs)} != {sorted(declared)}"
            notes.append(f"{len(outputs)} outputs")

        with self.step("every resource of the template was created") as notes:
            notes += self.check_created(STACK, template)

        with self.step("every alarm notifies the stack's ops topic, which lets it") as notes:
            notes += self.check_alarms(outputs["OpsTopicArn"])

        with self.step("events -> stack's rule -> queue -> ingest -> table, alert") as notes:
            notes += self.prove_the_flow(outputs)

        with self.step("the price refresh and its daily schedule") as notes:
            notes += self.check_price_refresh(template)

        with self.step("api (every route), each scheduled function, under their roles") as notes:
            notes += self.exercise_api_and_reconcile(outputs)

        options_assembly = OUT / "rehearsal" / "options"
        with self.step(f"make deploy {OPTIONS_STACK} (emails, source_accounts)") as notes:
            output = self.deploy(options_assembly, OPTIONS)
            assert NO_SUBSCRIBERS_WARNING not in output, "synth warned with subscribers set"
            self.summary.options_stack_status = self.stack(OPTIONS_STACK)["StackStatus"]
            assert self.summary.options_stack_status == "CREATE_COMPLETE"
            options_template = json.loads(
                (options_assembly / f"{OPTIONS_STACK}.template.json").read_text()
            )
            notes += self.check_created(OPTIONS_STACK, options_template)[:1]
            notes += self.check_options(self.outputs(OPTIONS_STACK), options_template)

        with self.step(f"member {MEMBER}: its stack, read by {OPTIONS_STACK}'s roles") as notes:
            notes += self.exercise_member(self.outputs(OPTIONS_STACK))

        with self.step(f"make deploy {STACK} -c log_level=DEBUG updates in place") as notes:
            before = self.physical_ids(STACK)
            self.deploy(OUT / "rehearsal" / "updated", {"log_level": "DEBUG"})
            self.summary.updated_stack_status = self.stack(STACK)["StackStatus"]
            assert self.summary.updated_stack_status == "UPDATE_COMPLETE"
            after = self.physical_ids(STACK)
            kept = [logical for logical, (kind, _) in before.items() if "Table" in kind]
            assert all(after[logical] == before[logical] for logical in kept), "table replaced"
            variables = self.function_environment(after, "ingest")
            assert variables["LOG_LEVEL"] == "DEBUG", variables["LOG_LEVEL"]
            notes.append("same table, ingest LOG_LEVEL now DEBUG")

        with self.step("cdk destroy leaves the table (Retain)") as notes:
            table = outputs["TableName"]
            self.cdk("destroy", "--force", "--app", str(OUT / "rehearsal" / "updated"))
            self.cdk("destroy", "--force", "--app", str(options_assembly))
            assert not self.exists(STACK) and not self.exists(OPTIONS_STACK), "stack left"
            assert not self.queue_exists(outputs["IngestQueueUrl"]), "the queue was kept"
            self.client("dynamodb").describe_table(TableName=table)
            self.summary.table_kept_after_destroy = True
            notes.append(f"stacks gone, queue deleted, table {table} kept")

    # -- checks --------------------------------------------------------------------------

    def exists(self, name: str, region: str = REGION) -> bool:
        try:
            status = self.stack(name, region)["StackStatus"]
        except ClientError:
            return False
        return bool(status != "DELETE_COMPLETE")

    def queue_exists(self, url: str) -> bool:
        try:
            self.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        except ClientError:
            return False
        return True

    def function_configuration(
        self, resources: dict[str, tuple[str, str]], package: str
    ) -> dict[str, Any]:
        lambda_ = self.client("lambda")
        for kind, physical_id in resources.values():
            if kind != "AWS::Lambda::Function":
                continue
            configuration: dict[str, Any] = lambda_.get_function_configuration(
                FunctionName=physical_id
            )
            if configuration["Handler"] == f"{package}.handler.handler":
                return configuration
        raise AssertionError(f"no {package} function in the stack")

    def function_environment(
        self, resources: dict[str, tuple[str, str]], package: str
    ) -> dict[str, str]:
        variables: dict[str, str] = self.function_configuration(resources, package)["Environment"][
            "Variables"
        ]
        return variables

    @contextmanager
    def as_deployed(self, stack: str, package: str) -> Iterator[Any]:
        """The function's handler module as Lambda runs it: imported afresh with the
        deployed function's environment and its deployed role's credentials (the
        emulator's AssumeRole), pointed at the emulator, every AWS call recorded.

        The handler runs in this process (the emulator cannot run Lambda here); its logs
        and metrics go to the log.
        """
        configuration = self.function_configuration(self.physical_ids(stack), package)
        saved = dict(os.environ)
        del os.environ["AWS_PROFILE"]
        # A Lambda process has its function's variables only: a page-token key of the
        # caller's shell (or the tests') would meet the deployed TOKEN_KEY_SECRET_ARN.
        os.environ.pop("TOKEN_KEY", None)
        os.environ.update(
            configuration["Environment"]["Variables"],
            **self.recorder.assume(package, configuration["Role"]),
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_REGION=REGION,
            AWS_DEFAULT_REGION=REGION,
            POWERTOOLS_TRACE_DISABLED="true",
            POWERTOOLS_LOG_LEVEL="ERROR",
        )
        # A Lambda process runs one function: nothing of another function's clients or
        # credentials may carry over (jobtracker keeps one botocore session a process).
        jobtracker_clients._session = None
        sys.modules.pop(f"{package}.handler", None)
        try:
            with (
                self.recorder.recording(),
                redirect_stdout(self.function_log),
                redirect_stderr(self.function_log),
            ):
                yield importlib.import_module(f"{package}.handler")
        finally:
            self.function_log.flush()
            jobtracker_clients._session = None
            os.environ.clear()
            os.environ.update(saved)

    def check_calls(self, since: int) -> list[str]:
        """Judge the calls recorded since `since` against the deployed policies; fail
        naming each denied call and each grant that no call needed and nothing justifies."""
        assert not self.recorder.problems, "; ".join(self.recorder.problems)
        calls = self.recorder.calls[since:]
        verdicts = self.judge.judge(calls)
        for verdict in verdicts:
            function = verdict.call.function
            self.summary.calls_checked[function] = self.summary.calls_checked.get(function, 0) + 1
        denied = [verdict for verdict in verdicts if not verdict.allowed]
        self.summary.calls_denied += [as_report(verdict) for verdict in denied]
        assert not denied, "denied: " + "; ".join(
            f"{verdict.call.named()}: {verdict.reason}" for verdict in denied
        )
        checked = [verdict.call for verdict in verdicts]
        unjustified = []
        for role in sorted({call.role_arn for call in checked}):
            functions = ",".join(
                sorted({call.function for call in checked if call.role_arn == role})
            )
            documents = self.judge.emulator.identity_policies(role)
            for grant in role_grants(functions, role, documents):
                if used(grant, [call for call in self.judge.checked if call.role_arn == role]):
                    continue
                reason = kept_unused(functions, grant.action)
                self.summary.grants_unused.append(as_report(grant, reason or "not justified"))
                if not reason:
                    unjustified.append(f"{functions}: {grant.action} on {grant.resource}")
        assert not unjustified, "granted, used by no call: " + "; ".join(unjustified)
        roles = len({call.role_arn for call in checked})
        return [f"{len(verdicts)} calls under {roles} deployed roles allowed by their policies"]

    def prove_the_flow(self, outputs: dict[str, str]) -> list[str]:
        sqs = self.client("sqs")
        probe_url = sqs.create_queue(QueueName="rehearsal-alert-probe")["QueueUrl"]
        probe_arn = sqs.get_queue_attributes(QueueUrl=probe_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.client("sns").subscribe(
            TopicArn=outputs["AlertTopicArn"], Protocol="sqs", Endpoint=probe_arn
        )

        environment = self.function_environment(self.physical_ids(STACK), "ingest")
        assert environment["TABLE_NAME"] == outputs["TableName"]
        assert environment["ALERT_TOPIC_ARN"] == outputs["AlertTopicArn"]

        now_ms = int(time.time() * 1000)
        specs = [
            demo.job_spec(name, outcome, now_ms - offset)
            for offset, (name, outcome) in enumerate(JOBS.items())
        ]
        # SageMaker knows the jobs, as it would: enrichment describes the ended ones.
        for spec in specs:
            put_job_in_sagemaker(self.client("sagemaker"), demo.job_snapshots(spec)[-1])
        details = [detail for spec in specs for detail in demo.job_snapshots(spec)]
        self.summary.events_put = demo.put_events(self.client("events"), details)

        queue_url = outputs["IngestQueueUrl"]
        queue_arn = queue_url_arn(sqs, queue_url)
        since = len(self.recorder.calls)
        with self.as_deployed(STACK, "ingest") as ingest:
            # Lambda's SQS poller receives and deletes with the function's role too.
            poller = boto3.Session(region_name=REGION).client("sqs", endpoint_url=self.endpoint)
            worker = QueueWorker(poller, queue_url, queue_arn, REGION, ingest.handler)
            received = drain(worker, lambda: _queue_depth(sqs, queue_url))
        assert received == self.summary.events_put, f"{received} of {len(details)} on the queue"
        checked = self.check_calls(since)

        reads = JobReads.for_table(outputs["TableName"], REGION, self.endpoint)
        for name, outcome in JOBS.items():
            # Who the job is comes from the envelope that the stack's rule delivered.
            identity = JobIdentity(ACCOUNT, REGION, name)
            job = reads.get_job(identity)
            assert job is not None, f"{identity} is not in the table"
            assert job["training_job_status"] == demo.OUTCOMES[outcome][1], job
            self.summary.events_stored += len(reads.list_transitions(identity))
        assert self.summary.events_stored == self.summary.events_put

        alerts = receive_all(sqs, probe_url)
        alerted = {json.loads(json.loads(body)["Message"])["training_job_name"] for body in alerts}
        self.summary.alerts_published = len(alerts)
        assert alerted == {"rehearsal-failed"} and len(alerts) == 1, alerted
        for dlq in ("IngestDeadLetterQueueUrl", "EventDeadLetterQueueUrl"):
            assert _queue_depth(sqs, outputs[dlq]) == 0, f"{dlq} holds messages"
        return [
            f"{self.summary.events_put} events put, {received} delivered to the stack's queue",
            f"{self.summary.events_stored} stored in its table",
            f"{self.summary.alerts_published} alert on its topic",
            *checked,
        ]

    def check_price_refresh(self, template: dict[str, Any]) -> list[str]:
        """The prices function is deployed, told which regions to price, started daily by
        its rule, and its role may call pricing:GetProducts (the template's policy: the
        emulator enforces no IAM, so only a real account proves the call is allowed)."""
        resources = self.physical_ids(STACK)
        variables = self.function_environment(resources, "prices")
        assert variables["PRICE_REGIONS"] == REGION, variables["PRICE_REGIONS"]
        function_arn = self.client("lambda").get_function_configuration(
            FunctionName=next(
                physical
                for kind, physical in resources.values()
                if kind == "AWS::Lambda::Function"
                and self.function_handler(physical) == "prices.handler.handler"
            )
        )["FunctionArn"]
        events = self.client("events")
        schedules = [
            rule
            for rule in events.list_rules()["Rules"]
            if rule.get("ScheduleExpression")
            and any(
                target["Arn"] == function_arn
                for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
            )
        ]
        assert [rule["ScheduleExpression"] for rule in schedules] == ["rate(1 day)"], schedules
        granted = [
            statement
            for resource in template["Resources"].values()
            if resource["Type"] == "AWS::IAM::Policy"
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]
            if statement["Action"] == "pricing:GetProducts"
        ]
        assert granted == [{"Action": "pricing:GetProducts", "Effect": "Allow", "Resource": "*"}]
        return [
            f"PRICE_REGIONS={variables['PRICE_REGIONS']}",
            "started by a rate(1 day) rule",
            "pricing:GetProducts on '*' in the template",
        ]

    def function_handler(self, name: str) -> str:
        configuration = self.client("lambda").get_function_configuration(FunctionName=name)
        return str(configuration["Handler"])

    def exercise_api_and_reconcile(self, outputs: dict[str, str]) -> list[str]:
        """Every route of the deployed API, and a reconcile run that finds a job whose
        events were lost, each function under its deployed role."""
        api_id = outputs["ApiUrl"].split("//")[1].split(".")[0]
        deployed = {
            r["RouteKey"] for r in self.client("apigatewayv2").get_routes(ApiId=api_id)["Items"]
        }
        asked = {route for route, _, _ in API_REQUESTS}
        assert asked == deployed, f"routes {sorted(deployed)} asked {sorted(asked)}"
        since = len(self.recorder.calls)
        with self.as_deployed(STACK, "api") as api:
            for _, path, query in API_REQUESTS:
                response = api.handler(http_request(path, query), lambda_context("api", REGION))
                assert response["statusCode"] == 200, (path, query, response)
                page = json.loads(response["body"]) if path == "/jobs" else {}
                if page.get("next_token"):
                    query = {**(query or {}), "next_token": page["next_token"]}
                    response = api.handler(http_request(path, query), lambda_context("api", REGION))
                    assert response["statusCode"] == 200, (path, query, response)

        lost = demo.job_spec(RECONCILED_JOB, "failed", int(time.time() * 1000))
        put_job_in_sagemaker(self.client("sagemaker"), demo.job_snapshots(lost)[-1])
        reports = {}
        for package in SCHEDULED:
            with self.as_deployed(STACK, package) as scheduled:
                reports[package] = scheduled.handler({}, lambda_context(package, REGION))
        reads = JobReads.for_table(outputs["TableName"], REGION, self.endpoint)
        assert reads.get_job(JobIdentity(ACCOUNT, REGION, RECONCILED_JOB)) is not None, reports
        return [
            f"{len(API_REQUESTS)} requests on the {len(deployed)} routes",
            f"reconcile stored {RECONCILED_JOB}",
            *self.check_calls(since),
        ]

    def exercise_member(self, outputs: dict[str, str]) -> list[str]:
        """The member stack deployed in the member account with its own credentials, then
        the tracker's ingest (a member's event, described through the member role) and
        reconcile (its walk of the member) under their deployed roles."""
        member_role = self.deploy_member_stack()
        now_ms = int(time.time() * 1000)
        spec = demo.job_spec(MEMBER_JOB, "failed", now_ms, account=MEMBER, region=REGION)
        detail = demo.job_snapshots(spec)[-1]
        member_sagemaker = self.account_client("sagemaker", MEMBER)
        put_job_in_sagemaker(member_sagemaker, detail, account=MEMBER)
        lost = demo.job_spec(MEMBER_LOST_JOB, "completed", now_ms, account=MEMBER, region=REGION)
        put_job_in_sagemaker(member_sagemaker, demo.job_snapshots(lost)[-1], account=MEMBER)
        # The member's event as its forwarding rule delivers it, and one of this account's.
        sqs = self.client("sqs")
        queue_url = outputs["IngestQueueUrl"]
        home = demo.job_snapshots(demo.job_spec("rehearsal-failed", "failed", now_ms))[-1]
        for event, account in ((detail, MEMBER), (home, ACCOUNT)):
            sqs.send_message(
                QueueUrl=queue_url, MessageBody=event_body(event, Place(account, REGION))
            )
        queue_arn = queue_url_arn(sqs, queue_url)
        since = len(self.recorder.calls)
        with self.as_deployed(OPTIONS_STACK, "ingest") as ingest:
            poller = boto3.Session(region_name=REGION).client("sqs", endpoint_url=self.endpoint)
            worker = QueueWorker(poller, queue_url, queue_arn, REGION, ingest.handler)
            received = drain(worker, lambda: _queue_depth(sqs, queue_url))
        assert received == 2, f"{received} of 2 events through {OPTIONS_STACK}'s queue"
        with self.as_deployed(OPTIONS_STACK, "reconcile") as reconcile:
            report = reconcile.handler({}, lambda_context("reconcile", REGION))
        reads = JobReads.for_table(outputs["TableName"], REGION, self.endpoint)
        for name in (MEMBER_JOB, MEMBER_LOST_JOB):
            job = reads.get_job(JobIdentity(MEMBER, REGION, name))
            assert job is not None, f"{name} of {MEMBER} is not in {OPTIONS_STACK}'s table"
        read = {
            (call.function, call.action)
            for call in self.recorder.calls[since:]
            if call.role_arn == member_role
        }
        wanted = {
            ("ingest", "sagemaker:DescribeTrainingJob"),
            ("reconcile", "sagemaker:ListTrainingJobs"),
            ("reconcile", "sagemaker:DescribeTrainingJob"),
            ("reconcile", "sagemaker:ListTags"),
        }
        assert wanted <= read, f"through the member role: {sorted(read)}; report {report}"
        return [
            f"{MEMBER_STACK} {self.summary.member_stack_status} in {MEMBER}",
            f"ingest and reconcile read its jobs through {member_role.split(':')[-1]}",
            *self.check_calls(since),
        ]

    def deploy_member_stack(self) -> str:
        """`cdk deploy -c member=true ...` as a member's administrator runs it: with the
        member account's credentials (a profile of its own), no bootstrap. Its role's ARN."""
        issued = self.assume_role(f"arn:aws:iam::{MEMBER}:role/rehearsal-admin", "rehearsal")
        with self.credentials_file.open("a") as credentials:
            credentials.write(
                f"[{MEMBER_PROFILE}]\naws_access_key_id = {issued['AccessKeyId']}\n"
                f"aws_secret_access_key = {issued['SecretAccessKey']}\n"
                f"aws_session_token = {issued['SessionToken']}\n"
            )
        with self.config_file.open("a") as config:
            config.write(f"[profile {MEMBER_PROFILE}]\nregion = {REGION}\n")
        assembly = OUT / "rehearsal" / "member"
        self.cdk(
            "deploy",
            "--require-approval",
            "never",
            "--output",
            str(assembly),
            context=MEMBER_CONTEXT,
            profile=MEMBER_PROFILE,
        )
        member_stack = self.account_client("cloudformation", MEMBER).describe_stacks(
            StackName=MEMBER_STACK
        )["Stacks"][0]
        self.summary.member_stack_status = member_stack["StackStatus"]
        assert self.summary.member_stack_status == "CREATE_COMPLETE", member_stack
        # The default member_role_name, which both stacks of the rehearsal keep.
        role: str = self.account_client("iam", MEMBER).get_role(RoleName="jobtracker-reader")[
            "Role"
        ]["Arn"]
        return role

    def check_alarms(self, ops_topic: str) -> list[str]:
        """As deployed (the emulator does not evaluate policies: this reads them)."""
        alarms = self.client("cloudwatch").describe_alarms()["MetricAlarms"]
        assert alarms, "no alarms"
        wrong = [a["AlarmName"] for a in alarms if a["AlarmActions"] != [ops_topic]]
        assert not wrong, f"alarms not acting on the ops topic: {wrong}"
        policy = json.loads(
            self.client("sns").get_topic_attributes(TopicArn=ops_topic)["Attributes"]["Policy"]
        )
        allowed = [
            statement
            for statement in policy["Statement"]
            if statement["Effect"] == "Allow"
            and statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
            and statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
        ]
        assert allowed, f"the ops topic's policy lets no alarm publish: {policy}"
        return [f"{len(alarms)} alarms -> ops topic; its policy allows this account's alarms"]

    def check_options(self, outputs: dict[str, str], template: dict[str, Any]) -> list[str]:
        sns = self.client("sns")
        subscribed = {
            (topic, s["Endpoint"])
            for topic in ("AlertTopicArn", "OpsTopicArn")
            for s in sns.list_subscriptions_by_topic(TopicArn=outputs[topic])["Subscriptions"]
        }
        assert subscribed == {
            ("AlertTopicArn", OPTIONS["alert_emails"]),
            ("OpsTopicArn", OPTIONS["ops_emails"]),
        }, subscribed
        # Members forward to the default bus; its policy statement is in the template only.
        policies = [
            r["Properties"]
            for r in template["Resources"].values()
            if r["Type"] == "AWS::Events::EventBusPolicy"
        ]
        assert any(OPTIONS["source_accounts"] in json.dumps(p) for p in policies), policies
        return ["both emails subscribed", "the default bus admits member 111111111111"]


def context_args(context: dict[str, str] | None) -> list[str]:
    return [arg for key, value in (context or {}).items() for arg in ("-c", f"{key}={value}")]


def check_in_template(template: dict[str, Any], kind: str) -> None:
    """What the emulator cannot create is checked where it is declared instead."""
    resources = [r for r in template["Resources"].values() if r["Type"] == kind]
    assert resources, kind
    if kind == "AWS::CDK::Metadata":
        for resource in resources:
            assert resource["Properties"]["Analytics"].startswith("v2:deflate64:")
    if kind == "AWS::Events::EventBusPolicy":
        for resource in resources:
            statement = resource["Properties"]["Statement"]
            assert resource["Properties"]["EventBusName"] == "default"
            assert (statement["Effect"], statement["Action"]) == ("Allow", "events:PutEvents")


def drain(worker: QueueWorker, depth: Callable[[], int]) -> int:
    """Batches through the handler until the queue is empty; how many messages came."""
    received = 0
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        result = worker.drain_once(wait_seconds=1)
        if result is not None:
            assert not result.failed_ids, result.summary()
            received += result.received
        elif depth() == 0:
            return received
    raise AssertionError(f"the queue did not drain in {DRAIN_SECONDS} s")


def queue_url_arn(sqs: Any, url: str) -> str:
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return arn


def receive_all(sqs: Any, url: str) -> list[str]:
    bodies: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        if not messages:
            return bodies
        bodies += [message["Body"] for message in messages]


def main() -> int:
    started = time.monotonic()
    OUT.mkdir(exist_ok=True)
    (OUT / "rehearsal.log").write_text("")
    # Nothing of the caller's AWS setup may reach a real account, or pick the region.
    for name in [name for name in os.environ if name.startswith(("AWS_", "CDK_DEFAULT_"))]:
        del os.environ[name]
    deploy_fixes.install()
    # moto warns of each resource it has no model for; the rehearsal reports them itself.
    logging.getLogger("moto").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="Tried to parse", category=UserWarning)
    server, endpoint = start_emulator(int(os.environ.get("REHEARSAL_PORT", "0")))
    print(f"AWS emulator {endpoint} (moto, with local/deploy_fixes.py)", flush=True)
    with tempfile.TemporaryDirectory(prefix="jobtracker-rehearsal-") as workdir:
        rehearsal = Rehearsal(endpoint, Path(workdir))
        try:
            rehearsal.run()
        except StepFailed:
            pass
        finally:
            rehearsal.function_log.close()
            server.stop()
    summary = rehearsal.summary
    summary.seconds = round(time.monotonic() - started, 1)
    report = {key: value for key, value in vars(summary).items() if key != "steps"}
    (OUT / "rehearsal.json").write_text(json.dumps(report, indent=2) + "\n")
    verdict = "FAILED at " + summary.failed if summary.failed else "passed"
    print(
        f"rehearsal {verdict} in {summary.seconds:.0f} s: {summary.stack_status or 'no stack'}, "
        f"{sum(summary.resources_created.values())} of "
        f"{sum(summary.resources_in_template.values())} resources created, "
        f"{summary.events_stored}/{summary.events_put} events stored, "
        f"{summary.alerts_published} alert(s); cdk.out/rehearsal.json, cdk.out/rehearsal.log"
    )
    checked = ", ".join(f"{name} {count}" for name, count in summary.calls_checked.items())
    print(
        f"least privilege: calls_checked {checked or 'none'}; "
        f"calls_denied {len(summary.calls_denied)}; grants_unused {len(summary.grants_unused)}"
        f" ({sum(g['reason'] != 'not justified' for g in summary.grants_unused)} justified)"
    )
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
