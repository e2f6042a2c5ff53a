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
here), and a Failed job alerts on the stack's topic. A second stack deploys with every
subscription option; a changed context value updates the first stack in place; `cdk
destroy` leaves its table (Retain).

One line per step, a summary, cdk.out/rehearsal.json; exit status 1 on any failure.
CLI output goes to cdk.out/rehearsal.log. REHEARSAL_PORT picks the emulator's port (0,
the default, takes any free one).
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

from local import demo, deploy_fixes
from local.__main__ import _queue_depth
from local.emulator import start_emulator
from local.worker import QueueWorker

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

    # -- the CLI, as a user runs it ------------------------------------------------------

    def cli_env(self) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("AWS_", "CDK_DEFAULT_"))
        }
        env.update(
            AWS_CONFIG_FILE=str(self.config_file),
            AWS_SHARED_CREDENTIALS_FILE=str(self.credentials_file),
            AWS_PROFILE=PROFILE,
            AWS_ENDPOINT_URL=self.endpoint,
        )
        return env

    def cdk(self, *args: str, context: dict[str, str] | None = None) -> str:
        return self.run_cli([*CLI, *args, "--no-notices", *context_args(context)])

    def deploy(self, assembly: Path, context: dict[str, str] | None = None) -> str:
        """Through `make deploy`, as the README says: the Makefile's environment counts."""
        cdk_args = ["--require-approval", "never", "--output", str(assembly)]
        cdk_args += context_args(context)
        return self.run_cli(
            ["make", "--no-print-directory", "deploy", f"CDK_ARGS={' '.join(cdk_args)}"]
        )

    def run_cli(self, command: list[str]) -> str:
        with self.log_path.open("a") as log:
            log.write(f"$ {' '.join(command)}\n")
            log.flush()
            start = log.tell()
            result = subprocess.run(
                command,
                cwd=ROOT,
                env=self.cli_env(),
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

    def function_environment(
        self, resources: dict[str, tuple[str, str]], package: str
    ) -> dict[str, str]:
        lambda_ = self.client("lambda")
        for kind, physical_id in resources.values():
            if kind != "AWS::Lambda::Function":
                continue
            configuration = lambda_.get_function_configuration(FunctionName=physical_id)
            if configuration["Handler"] == f"{package}.handler.handler":
                variables: dict[str, str] = configuration["Environment"]["Variables"]
                return variables
        raise AssertionError(f"no {package} function in the stack")

    def prove_the_flow(self, outputs: dict[str, str]) -> list[str]:
        sqs = self.client("sqs")
        probe_url = sqs.create_queue(QueueName="rehearsal-alert-probe")["QueueUrl"]
        probe_arn = sqs.get_queue_attributes(QueueUrl=probe_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.client("sns").subscribe(
            TopicArn=outputs["AlertTopicArn"], Protocol="sqs", Endpoint=probe_arn
        )

        # The deployed ingest function's environment, pointed at the emulator.
        environment = self.function_environment(self.physical_ids(STACK), "ingest")
        assert environment["TABLE_NAME"] == outputs["TableName"]
        assert environment["ALERT_TOPIC_ARN"] == outputs["AlertTopicArn"]
        os.environ.update(
            environment,
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_REGION=REGION,
            AWS_DEFAULT_REGION=REGION,
            AWS_ACCESS_KEY_ID="rehearsal",
            AWS_SECRET_ACCESS_KEY="rehearsal",
            POWERTOOLS_TRACE_DISABLED="true",
            # Enrichment fails (the emulator knows no such training job) and says so.
            POWERTOOLS_LOG_LEVEL="ERROR",
        )
        handler = importlib.import_module("ingest.handler").handler

        now_ms = int(time.time() * 1000)
        details = [
            detail
            for offset, (name, outcome) in enumerate(JOBS.items())
            for detail in demo.job_snapshots(demo.job_spec(name, outcome, now_ms - offset))
        ]
        self.summary.events_put = demo.put_events(self.client("events"), details)

        queue_url = outputs["IngestQueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        worker = QueueWorker(sqs, queue_url, queue_arn, REGION, handler)
        # The handler logs and emits metrics on stdout, as in Lambda: to the log here.
        with self.log_path.open("a") as log, redirect_stdout(log), redirect_stderr(log):
            received = drain(worker, lambda: _queue_depth(sqs, queue_url))
        assert received == self.summary.events_put, f"{received} of {len(details)} on the queue"

        from jobtracker.record import JobIdentity
        from jobtracker.store.reads import JobReads

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
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
