"""Member accounts' clients: one AssumeRole per account, cached until shortly before expiry,
and a failure that belongs to its account only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from jobtracker.member_role import (
    RENEW_BEFORE_SECONDS,
    SESSION_NAME,
    MemberCredentials,
    MemberRoleClients,
    partition_of,
)
from jobtracker.sagemaker import SageMakerThrottled, SageMakerUnavailable

NOW = 1_800_000_000.0
HOUR = 3600.0
ROLE = "jobtracker-reader"


@dataclass
class FakeSts:
    """STS that issues hour-long credentials per call, or fails for the accounts told."""

    clock: list[float]
    failures: dict[str, Exception] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def assume_role(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        account = request["RoleArn"].split(":")[4]
        if account in self.failures:
            raise self.failures[account]
        serial = len(self.calls)
        return {
            "Credentials": {
                "AccessKeyId": f"ASIA{account}{serial}",
                "SecretAccessKey": "secret",
                "SessionToken": "token",
                "Expiration": datetime.fromtimestamp(self.clock[0] + HOUR, tz=UTC),
            }
        }


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "AssumeRole")


def make_clients(sts: FakeSts) -> tuple[MemberRoleClients, list[tuple[str, MemberCredentials]]]:
    built: list[tuple[str, MemberCredentials]] = []

    def sagemaker(region: str, credentials: MemberCredentials) -> Any:
        built.append((region, credentials))
        return (region, credentials.access_key_id)

    clients = MemberRoleClients(
        ROLE, "aws", sts=lambda: sts, sagemaker=sagemaker, clock=lambda: sts.clock[0]
    )
    return clients, built


def test_the_role_of_the_jobs_account_is_assumed_by_its_known_name():
    # Given a member account
    sts = FakeSts(clock=[NOW])
    clients, _ = make_clients(sts)
    # When its client is asked for
    region, key = clients("111111111111", "eu-west-1")
    # Then the member role of that account was assumed, and the client uses its credentials
    (call,) = sts.calls
    assert call["RoleArn"] == "arn:aws:iam::111111111111:role/jobtracker-reader"
    assert call["RoleSessionName"] == SESSION_NAME
    assert (region, key) == ("eu-west-1", "ASIA1111111111111")


def test_credentials_are_reused_across_regions_and_calls_until_shortly_before_expiry():
    # Given one account read in two regions, many times
    sts = FakeSts(clock=[NOW])
    clients, built = make_clients(sts)
    first = clients("111111111111", "eu-west-1")
    # When the same clients are asked for again within the hour, short of the margin
    sts.clock[0] = NOW + HOUR - RENEW_BEFORE_SECONDS - 1
    again = clients("111111111111", "eu-west-1")
    other_region = clients("111111111111", "us-east-1")
    # Then one AssumeRole served both regions, and the first client was kept
    assert len(sts.calls) == 1
    assert again is first
    assert other_region == ("us-east-1", "ASIA1111111111111")
    assert len(built) == 2
    # When the margin before expiry is reached
    sts.clock[0] = NOW + HOUR - RENEW_BEFORE_SECONDS
    renewed = clients("111111111111", "eu-west-1")
    # Then the role is assumed again and a client with the new credentials replaces the old
    assert len(sts.calls) == 2
    assert renewed == ("eu-west-1", "ASIA1111111111112")


def test_each_account_has_its_own_credentials():
    sts = FakeSts(clock=[NOW])
    clients, _ = make_clients(sts)
    clients("111111111111", "eu-west-1")
    clients("222222222222", "eu-west-1")
    clients("111111111111", "eu-west-1")
    assert [call["RoleArn"].split(":")[4] for call in sts.calls] == [
        "111111111111",
        "222222222222",
    ]


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (client_error("AccessDenied"), SageMakerUnavailable),
        (client_error("Throttling"), SageMakerThrottled),
        (
            EndpointConnectionError(endpoint_url="https://sts.eu-west-1.amazonaws.com"),
            SageMakerUnavailable,
        ),
    ],
)
def test_a_failed_assume_role_fails_that_account_only_and_is_asked_again(failure, error):
    # Given one member whose role cannot be assumed (denied, throttled, unreachable)
    sts = FakeSts(clock=[NOW], failures={"222222222222": failure})
    clients, _ = make_clients(sts)
    # When both members' clients are asked for
    with pytest.raises(error) as raised:
        clients("222222222222", "eu-west-1")
    working = clients("111111111111", "eu-west-1")
    # Then the failure is a SageMaker error naming the role, the other member still works
    assert isinstance(raised.value, SageMakerUnavailable | SageMakerThrottled)
    assert "arn:aws:iam::222222222222:role/jobtracker-reader" in str(raised.value)
    assert working == ("eu-west-1", "ASIA1111111111112")
    # And a failure is not cached: once the role works, the next ask gets credentials
    del sts.failures["222222222222"]
    assert clients("222222222222", "eu-west-1") == ("eu-west-1", "ASIA2222222222223")


@pytest.mark.parametrize(
    ("region", "partition"),
    [("eu-west-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_the_role_arn_is_in_the_partition_of_the_region(region, partition):
    assert partition_of(region) == partition
