"""The SNS edge: the client, and the publisher that turns its errors into the domain's."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from jobtracker.alerts.alerter import AlertPublishFailed
from jobtracker.clients import new_client

if TYPE_CHECKING:
    from jobtracker.alerts.message import AlertMessage

# A publish is one small request: fail fast and let SQS redeliver rather than hold the
# batch (and the claim's lease) on a slow endpoint.
CLIENT_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"max_attempts": 3, "mode": "standard"},
)


def sns_client(region: str | None = None) -> Any:
    """A client for the alert topic (AWS_ENDPOINT_URL_SNS / AWS_ENDPOINT_URL apply).

    Made on its first call, not here: most invocations never publish, and making an SNS
    client loads its service model and the endpoint rules, which at import cost every cold
    start of ingest three quarters of what `import boto3` does (see bench/README.md).
    """
    return _MadeOnFirstUse(lambda: new_client("sns", CLIENT_CONFIG, region))


class _MadeOnFirstUse:
    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._make()
        return getattr(self._client, name)


class SnsPublisher:
    def __init__(self, topic_arn: str, client: Any) -> None:
        self.topic_arn = topic_arn
        self.client = client

    def publish(self, message: AlertMessage) -> str:
        try:
            response = self.client.publish(
                TopicArn=self.topic_arn,
                Subject=message.subject,
                Message=message.sns_message(),
                MessageStructure="json",
                MessageAttributes=message.sns_attributes(),
            )
        except (ClientError, BotoCoreError) as error:
            raise AlertPublishFailed(f"publish to {self.topic_arn} failed: {error}") from error
        return str(response["MessageId"])
