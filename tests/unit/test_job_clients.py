"""The seam between jobtracker and SageMaker's accounts: (account, region) -> a client."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from jobtracker.names import MEMBER_ACCESS_EMULATOR
from jobtracker.record import Place
from jobtracker.sagemaker import SageMakerUnavailable
from jobtracker.sagemaker_clients import EMULATOR_ACCOUNT_HEADER, in_emulator_account, job_clients

HOME = Place("123456789012", "us-east-1")


def test_the_home_account_is_read_in_any_region_with_one_client_each() -> None:
    clients = job_clients(HOME)
    here, there = clients(HOME.account, "us-east-1"), clients(HOME.account, "eu-west-1")
    assert (here.meta.region_name, there.meta.region_name) == ("us-east-1", "eu-west-1")
    assert clients(HOME.account, "eu-west-1") is there


def test_another_account_without_member_access_is_unavailable_not_the_home_one() -> None:
    with pytest.raises(SageMakerUnavailable, match="no access to account 210987654321"):
        job_clients(HOME)("210987654321", "us-east-1")


def test_on_the_emulator_another_account_is_named_in_each_request() -> None:
    client = job_clients(HOME, MEMBER_ACCESS_EMULATOR)("210987654321", "eu-west-1")
    assert client.meta.region_name == "eu-west-1"
    request = SimpleNamespace(headers={})
    in_emulator_account("210987654321")(request=request)
    assert request.headers == {EMULATOR_ACCOUNT_HEADER: "210987654321"}
