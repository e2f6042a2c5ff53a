"""jobtracker redrive: move the ingest dead-letter queue's messages back after a fix.

ReceiveMessage on the DLQ, SendMessageBatch to the ingest queue with the same bodies and
message attributes, then DeleteMessageBatch on the DLQ for the entries that were sent:
a message is deleted only once its copy is on the ingest queue, so a crash or a failed
send leaves it in the DLQ (visible again after the visibility timeout) and never loses
it. The ingest path is idempotent, so a message sent twice by an interrupted run is
harmless. (SQS's own StartMessageMoveTask does the same server-side and is the better
choice on AWS for large queues; the local emulator has no such call, this works on both.)

Queues, by precedence: `--dlq-url`/`--queue-url`; else the outputs of a deployed stack
(`--stack`, env JOBTRACKER_STACK: IngestDeadLetterQueueUrl, IngestQueueUrl); else the
local stack's queues on its emulator (`--endpoint-url`, default http://127.0.0.1:$AWS_PORT,
4566 unless AWS_PORT says otherwise, as for `make local`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

# The local stack's emulator and queues (local/emulator.py; the installed command does
# not ship local/, and tests/integration/test_redrive.py checks that the names agree).
LOCAL_ENDPOINT_URL = "http://127.0.0.1:4566"
LOCAL_QUEUE_NAME = "jobtracker-local-ingest"
LOCAL_DLQ_NAME = "jobtracker-local-ingest-dlq"
QUEUE_OUTPUT = "IngestQueueUrl"
DLQ_OUTPUT = "IngestDeadLetterQueueUrl"
SQS_BATCH = 10
# ReceiveMessage's MessageAttributes carry these fields; SendMessage takes the same ones.
_ATTRIBUTE_FIELDS = ("DataType", "StringValue", "BinaryValue")


def local_endpoint_url(env: Any = os.environ) -> str:
    """The emulator `make local` started: on AWS_PORT when that is set, as it reads it."""
    port = env.get("AWS_PORT", "").strip()
    return f"http://127.0.0.1:{port}" if port.isdigit() and int(port) > 0 else LOCAL_ENDPOINT_URL


@dataclass
class RedriveResult:
    moved: int = 0
    failed: list[str] = field(default_factory=list)  # DLQ message ids left where they were

    def summary(self) -> str:
        text = f"moved {self.moved} message(s)"
        return text + (f", {len(self.failed)} left in the DLQ" if self.failed else "")


def redrive(
    sqs: Any,
    dlq_url: str,
    queue_url: str,
    *,
    limit: int | None = None,
    visibility_timeout: int = 60,
    empty_receives: int = 2,
    progress: Callable[[RedriveResult], None] = lambda result: None,
) -> RedriveResult:
    """Move up to `limit` messages (all, if None) from `dlq_url` to `queue_url`.

    Stops after `empty_receives` receives in a row find nothing (SQS's short polling may
    miss messages on one receive). Each message is received with `visibility_timeout`,
    so that a message whose send failed is not received again by the same run.
    """
    result = RedriveResult()
    empty = 0
    while limit is None or result.moved + len(result.failed) < limit:
        left = None if limit is None else limit - result.moved - len(result.failed)
        messages = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=SQS_BATCH if left is None else min(SQS_BATCH, left),
            MessageAttributeNames=["All"],
            VisibilityTimeout=visibility_timeout,
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not messages:
            empty += 1
            if empty >= empty_receives:
                break
            continue
        empty = 0
        _move_batch(sqs, dlq_url, queue_url, messages, result)
        progress(result)
    return result


def _move_batch(
    sqs: Any, dlq_url: str, queue_url: str, messages: list[dict[str, Any]], result: RedriveResult
) -> None:
    by_entry = {str(index): message for index, message in enumerate(messages)}
    sent = sqs.send_message_batch(
        QueueUrl=queue_url,
        Entries=[_send_entry(entry_id, message) for entry_id, message in by_entry.items()],
    )
    result.failed.extend(by_entry[entry["Id"]]["MessageId"] for entry in sent.get("Failed", []))
    done = [by_entry[entry["Id"]] for entry in sent.get("Successful", [])]
    if not done:
        return
    deleted = sqs.delete_message_batch(
        QueueUrl=dlq_url,
        Entries=[
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
            for index, message in enumerate(done)
        ],
    )
    # A copy that was sent but not deleted comes back to the DLQ and would be moved again
    # by the next run: harmless, the ingest path is idempotent.
    result.moved += len(deleted.get("Successful", []))


def _send_entry(entry_id: str, message: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": entry_id, "MessageBody": message["Body"]}
    attributes = {
        name: {key: value[key] for key in _ATTRIBUTE_FIELDS if key in value}
        for name, value in message.get("MessageAttributes", {}).items()
    }
    if attributes:
        entry["MessageAttributes"] = attributes
    return entry


# -- the command --------------------------------------------------------------------------


def add_redrive_command(commands: Any) -> argparse.ArgumentParser:
    """Add `redrive` to the `jobtracker` command's subparsers."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "redrive",
        help="move the ingest DLQ's messages back to the ingest queue",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dlq-url", help="dead-letter queue to empty")
    parser.add_argument("--queue-url", help="queue to move the messages to")
    parser.add_argument(
        "--stack",
        default=os.environ.get("JOBTRACKER_STACK"),
        help="deployed stack whose outputs name the queues (env JOBTRACKER_STACK)",
    )
    parser.add_argument(
        "--endpoint-url",
        help="AWS endpoint (default: the local stack's emulator, http://127.0.0.1:$AWS_PORT "
        "or :4566, unless --stack or both URLs are given)",
    )
    parser.add_argument("--limit", type=int, help="move at most this many messages")
    return parser


def run_redrive(args: argparse.Namespace, out: TextIO, session: Any = None) -> int:
    """The `redrive` command (the region is the top-level `--region`); 1 if any failed.

    `session`: a botocore session (the command needs no more than the client's botocore).
    """
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.session import get_session

    session = session or get_session()
    try:
        return _redrive_command(args, out, session)
    except (BotoCoreError, ClientError, KeyError) as error:
        sys.stderr.write(f"jobtracker redrive: {error}\n")
        return 1


def _redrive_command(args: argparse.Namespace, out: TextIO, session: Any) -> int:
    local = args.stack is None and not (args.dlq_url and args.queue_url)
    endpoint_url = args.endpoint_url or (local_endpoint_url() if local else None)
    region = getattr(args, "region", None)
    client_options: dict[str, Any] = {"endpoint_url": endpoint_url, "region_name": region}
    if local:
        # The emulator takes any credentials; a laptop without AWS ones still works.
        client_options.update(
            aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
        )
    sqs = session.create_client("sqs", **client_options)
    dlq_url, queue_url = args.dlq_url, args.queue_url
    if not (dlq_url and queue_url) and args.stack:
        cloudformation = session.create_client("cloudformation", region_name=region)
        outputs = stack_outputs(cloudformation, args.stack)
        dlq_url = dlq_url or outputs[DLQ_OUTPUT]
        queue_url = queue_url or outputs[QUEUE_OUTPUT]
    elif not (dlq_url and queue_url):
        dlq_url = dlq_url or sqs.get_queue_url(QueueName=LOCAL_DLQ_NAME)["QueueUrl"]
        queue_url = queue_url or sqs.get_queue_url(QueueName=LOCAL_QUEUE_NAME)["QueueUrl"]
    out.write(f"redrive {dlq_url} -> {queue_url}\n")
    result = redrive(sqs, dlq_url, queue_url, limit=args.limit)
    out.write(result.summary() + "\n")
    return 1 if result.failed else 0


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
