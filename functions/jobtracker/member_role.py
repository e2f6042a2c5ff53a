"""SageMaker clients for member accounts: their read-only role assumed, credentials cached.

Each member account has a role of a known name (`MEMBER_ROLE_NAME`, deployed by the
member stack) that trusts the tracker's ingest and reconcile roles. One AssumeRole per
account serves every region of it; the credentials are kept until shortly before they
expire, so a warm function asks STS about once an hour per account, not per job. A
failure (denied, throttled, unreachable) is a SageMaker error of that account only: the
caller stores the job from its event, pending, and the other accounts go on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from jobtracker.clients import new_client
from jobtracker.sagemaker import (
    CLIENT_CONFIG,
    SageMakerError,
    SageMakerThrottled,
    SageMakerUnavailable,
    is_throttling,
)

# Renew this long before expiry: a describe (or a reconcile page) that starts with the
# credentials never outlives them.
RENEW_BEFORE_SECONDS = 300
# IAM's default maximum session of a role; the member stack keeps that default.
SESSION_SECONDS = 3600
# Shows in the member's CloudTrail as the session's name: who read its jobs.
SESSION_NAME = "jobtracker"
STS_CONFIG = Config(
    connect_timeout=2, read_timeout=5, retries={"mode": "adaptive", "max_attempts": 3}
)


class MemberCredentials(NamedTuple):
    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: float  # epoch seconds

    def client_arguments(self) -> dict[str, str]:
        return {
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
            "aws_session_token": self.session_token,
        }


def partition_of(region: str) -> str:
    """The ARN partition of a region: a role ARN names it."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def member_role_arn(account: str, role_name: str, partition: str) -> str:
    return f"arn:{partition}:iam::{account}:role/{role_name}"


def sts_client() -> Any:
    """STS in the function's own region (its regional endpoint), from the environment."""
    return new_client("sts", STS_CONFIG)


def sagemaker_client_with(region: str, credentials: MemberCredentials) -> Any:
    return new_client("sagemaker", CLIENT_CONFIG, region, credentials.client_arguments())


class MemberRoleClients:
    """`(account, region) -> SageMaker client` of that member account, through its role.

    Thread-safe; the clock and both client factories are parameters for the tests.
    """

    def __init__(
        self,
        role_name: str,
        partition: str,
        sts: Callable[[], Any] = sts_client,
        sagemaker: Callable[[str, MemberCredentials], Any] = sagemaker_client_with,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.role_name = role_name
        self.partition = partition
        self._sts_factory = sts
        self._sts: Any = None
        self._sagemaker = sagemaker
        self._clock = clock
        self._lock = threading.Lock()
        self._credentials: dict[str, MemberCredentials] = {}
        self._clients: dict[tuple[str, str], tuple[MemberCredentials, Any]] = {}

    def __call__(self, account: str, region: str) -> Any:
        with self._lock:
            credentials = self._fresh_credentials(account)
            cached = self._clients.get((account, region))
            if cached is not None and cached[0] is credentials:
                return cached[1]
            client = self._sagemaker(region, credentials)
            self._clients[account, region] = (credentials, client)
            return client

    def _fresh_credentials(self, account: str) -> MemberCredentials:
        cached = self._credentials.get(account)
        if cached is not None and self._clock() < cached.expires_at - RENEW_BEFORE_SECONDS:
            return cached
        credentials = self._assume(account)
        self._credentials[account] = credentials
        return credentials

    def _assume(self, account: str) -> MemberCredentials:
        arn = member_role_arn(account, self.role_name, self.partition)
        try:
            if self._sts is None:
                self._sts = self._sts_factory()
            response = self._sts.assume_role(
                RoleArn=arn, RoleSessionName=SESSION_NAME, DurationSeconds=SESSION_SECONDS
            )
            issued = response["Credentials"]
            return MemberCredentials(
                access_key_id=issued["AccessKeyId"],
                secret_access_key=issued["SecretAccessKey"],
                session_token=issued["SessionToken"],
                expires_at=issued["Expiration"].timestamp(),
            )
        except ClientError as error:
            raise _assume_failure(error, arn) from None
        except (BotoCoreError, KeyError, AttributeError) as error:
            raise SageMakerUnavailable(f"AssumeRole {arn}: {error}") from None


def _assume_failure(error: ClientError, arn: str) -> SageMakerError:
    code = str(error.response.get("Error", {}).get("Code", ""))
    if is_throttling(code):
        return SageMakerThrottled(f"AssumeRole {arn}: {code}")
    return SageMakerUnavailable(f"AssumeRole {arn}: {code or error}")
