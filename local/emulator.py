"""The AWS emulator of the local stack: moto's server and the resources jobtracker needs.

Every resource comes from the project's own definitions: the table and its indexes from
the PynamoDB models (`table_schema`), the rule from the stack's `EVENT_PATTERN`.
"""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from jobtracker.alert_kinds import DEFAULT_KINDS
from jobtracker.names import MEMBER_ACCESS_EMULATOR, SERVICE_NAME
from jobtracker.sagemaker_clients import in_emulator_account
from jobtracker.store.models import table_schema
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer

from infra.event_pattern import EVENT_PATTERN
from local import moto_fixes

REGION = "us-east-1"
HOST = "127.0.0.1"
PREFIX = "jobtracker-local"
TABLE_NAME = f"{PREFIX}-jobs"
QUEUE_NAME = f"{PREFIX}-ingest"
DLQ_NAME = f"{PREFIX}-ingest-dlq"
RULE_NAME = f"{PREFIX}-training-job-state-change"
TOPIC_NAME = f"{PREFIX}-alerts"
ALERT_PRINTER_QUEUE_NAME = f"{PREFIX}-alert-printer"
# Short enough that a poison message reaches the DLQ well within 30 s
# (MAX_RECEIVE_COUNT receives, each followed by one visibility timeout).
VISIBILITY_TIMEOUT_SECONDS = 3
MAX_RECEIVE_COUNT = 3
# The emulator accepts any credentials; these keep botocore from looking for real ones.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}

# moto's default SQS target input drops `account` from the envelope that EventBridge
# delivers; this transformer restores the envelope exactly (AWS itself needs no
# transformer, and the deployed rule has none).
_ENVELOPE_PATHS = {
    "id": "$.id",
    "detail-type": "$.detail-type",
    "source": "$.source",
    "account": "$.account",
    "time": "$.time",
    "region": "$.region",
    "resources": "$.resources",
    "detail": "$.detail",
}
_ENVELOPE_TEMPLATE = (
    '{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", '
    '"account": "<account>", "time": <time>, "region": "<region>", '
    '"resources": <resources>, "detail": <detail>}'
)


@dataclass(frozen=True)
class LocalResources:
    endpoint_url: str
    region: str
    table_name: str
    index_names: tuple[str, ...]
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str
    rule_name: str
    topic_arn: str
    alert_printer_queue_url: str


class PortInUse(RuntimeError):
    pass


def start_emulator(port: int) -> tuple[ThreadedMotoServer, str]:
    """Start moto's server on the loopback address; return it and its endpoint URL.

    moto's server thread dies silently and start() never returns when the port is taken,
    so the port is checked first.
    """
    _check_port_free(port)
    moto_fixes.install()
    # moto's werkzeug logs every request; the worker's polling would drown the output.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    host, bound_port = server.get_host_and_port()
    return server, f"http://{host}:{bound_port}"


def _check_port_free(port: int) -> None:
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise PortInUse(f"{HOST}:{port} is in use ({error.strerror})") from None


def client(
    service: str, endpoint_url: str, account: str | None = None, region: str = REGION
) -> Any:
    """A client of the emulator: of its default account, or of `account`."""
    made = boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    if account is not None:
        made.meta.events.register("before-sign", in_emulator_account(account))
    return made


def create_resources(endpoint_url: str) -> LocalResources:
    """Create the table, queues, rule and topic in the emulator."""
    schema = table_schema()
    client("dynamodb", endpoint_url).create_table(
        TableName=TABLE_NAME, BillingMode="PAY_PER_REQUEST", **schema
    )
    sqs = client("sqs", endpoint_url)
    dlq_url, dlq_arn = _create_queue(sqs, DLQ_NAME, {})
    queue_url, queue_arn = _create_queue(
        sqs,
        QUEUE_NAME,
        {
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
            ),
        },
    )
    events = client("events", endpoint_url)
    events.put_rule(Name=RULE_NAME, EventPattern=json.dumps(EVENT_PATTERN), State="ENABLED")
    events.put_targets(
        Rule=RULE_NAME,
        Targets=[
            {
                "Id": "ingest-queue",
                "Arn": queue_arn,
                "InputTransformer": {
                    "InputPathsMap": _ENVELOPE_PATHS,
                    "InputTemplate": _ENVELOPE_TEMPLATE,
                },
            }
        ],
    )
    topic_arn = client("sns", endpoint_url).create_topic(Name=TOPIC_NAME)["TopicArn"]
    printer_url, printer_arn = _create_queue(sqs, ALERT_PRINTER_QUEUE_NAME, {})
    client("sns", endpoint_url).subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=printer_arn)
    return LocalResources(
        endpoint_url=endpoint_url,
        region=REGION,
        table_name=TABLE_NAME,
        index_names=tuple(index["IndexName"] for index in schema["GlobalSecondaryIndexes"]),
        queue_url=queue_url,
        queue_arn=queue_arn,
        dlq_url=dlq_url,
        dlq_arn=dlq_arn,
        rule_name=RULE_NAME,
        topic_arn=topic_arn,
        alert_printer_queue_url=printer_url,
    )


def _create_queue(sqs: Any, name: str, attributes: dict[str, str]) -> tuple[str, str]:
    url: str = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def handler_environment(resources: LocalResources, token_key: str) -> dict[str, str]:
    """What the Lambda functions would find in their environment, pointed at the emulator."""
    return {
        **CREDENTIALS,
        "AWS_ENDPOINT_URL": resources.endpoint_url,
        "AWS_REGION": resources.region,
        "AWS_DEFAULT_REGION": resources.region,
        "TABLE_NAME": resources.table_name,
        # The emulator's default account is the tracker's own; the demo's member accounts
        # are reached by naming them in a header, as moto separates accounts.
        "HOME_ACCOUNT": DEFAULT_ACCOUNT_ID,
        "HOME_REGION": resources.region,
        "MEMBER_ACCESS": MEMBER_ACCESS_EMULATOR,
        "ALERT_TOPIC_ARN": resources.topic_arn,
        "ALERT_KINDS": ",".join(kind.value for kind in DEFAULT_KINDS),
        "TOKEN_KEY": token_key,
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": "jobtracker-local",
        # Offline: no X-Ray daemon. Metrics stay on, as deployed: with
        # POWERTOOLS_METRICS_DISABLED, Powertools 3.37 never clears them and dumps them
        # every 100 values anyway; the console drops their EMF lines instead.
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def cost_environment(env: Any) -> dict[str, str]:
    """How the local functions price jobs and which budgets they watch: cdk.json's context
    as the stack would pass it, unless the environment says otherwise (PRICE_OVERRIDES,
    PRICE_DISCOUNT_PERCENT, COST_TAGS, BUDGETS). Prices are the bundled list prices: the
    emulator has no Price List API."""
    context = json.loads((Path(__file__).parents[1] / "cdk.json").read_text())["context"]
    budgets = env.get("BUDGETS") or json.dumps(context["budgets"])
    chosen = {
        "PRICE_OVERRIDES": env.get("PRICE_OVERRIDES") or json.dumps(context["price_overrides"]),
        "PRICE_DISCOUNT_PERCENT": env.get("PRICE_DISCOUNT_PERCENT")
        or str(context["price_discount_percent"]),
        "COST_TAGS": env.get("COST_TAGS") or ",".join(context["cost_tags"]),
    }
    return {**chosen, **({"BUDGETS": budgets} if json.loads(budgets) else {})}
