"""Which client reads a job: the seam between jobtracker and SageMaker's accounts.

`job_clients` answers `(account, region) -> SageMaker client` for the tracker's functions:
the tracker's own account with the function's credentials, another account through its
member role (jobtracker.member_role), through the emulator's account header on the local
stack, or not at all (SageMakerUnavailable: the job is stored from its event, pending).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from jobtracker.clients import new_client
from jobtracker.member_role import MemberRoleClients, partition_of
from jobtracker.names import MEMBER_ACCESS_ASSUME_ROLE, MEMBER_ACCESS_EMULATOR, MEMBER_ACCESS_NONE
from jobtracker.record import Place
from jobtracker.sagemaker import CLIENT_CONFIG, SageMakerClients, SageMakerUnavailable

EMULATOR_ACCOUNT_HEADER = "x-moto-account-id"


def job_clients(
    home: Place, member_access: str = MEMBER_ACCESS_NONE, member_role_name: str = ""
) -> SageMakerClients:
    """The SageMaker clients of the tracker's functions, one per (account, region), made
    on first use (loading SageMaker's service model costs as much as importing boto3).

    The tracker's own account is read with the function's credentials, in any region.
    Another account needs access to it: without any (`MEMBER_ACCESS` unset), asking is
    SageMakerUnavailable, so the job is stored from its event and marked pending. With
    `assume-role` it is read through its member role (`member_role_name`), whose clients
    are kept only as long as their credentials.
    """
    clients: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()
    members: SageMakerClients | None = None
    if member_access == MEMBER_ACCESS_ASSUME_ROLE:
        members = MemberRoleClients(member_role_name, partition_of(home.region))

    def client_for(account: str, region: str) -> Any:
        if members is not None and account != home.account:
            return members(account, region)
        with lock:
            if (account, region) not in clients:
                clients[account, region] = _new_job_client(home, member_access, account, region)
            return clients[account, region]

    return client_for


def _new_job_client(home: Place, member_access: str, account: str, region: str) -> Any:
    if account == home.account:
        return new_client("sagemaker", CLIENT_CONFIG, region)
    if member_access == MEMBER_ACCESS_EMULATOR:
        client = new_client("sagemaker", CLIENT_CONFIG, region)
        client.meta.events.register("before-sign", in_emulator_account(account))
        return client
    raise SageMakerUnavailable(f"no access to account {account} (it is not this tracker's)")


def in_emulator_account(account: str) -> Callable[..., None]:
    """A botocore before-sign hook that sends a request to `account` of the emulator."""

    def add_header(request: Any, **_: Any) -> None:
        request.headers[EMULATOR_ACCOUNT_HEADER] = account

    return add_header
