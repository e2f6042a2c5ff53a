"""AWS clients made with botocore, as boto3.client makes them, without importing boto3.

PynamoDB already loads botocore; boto3 on top (its session, resources and s3transfer,
which loads multiprocessing) would add about 7 ms to every cold start (see bench/README.md)
for nothing: the clients jobtracker needs are plain botocore clients. One botocore
session serves them all, made on the first client; a session is not safe to share between
threads while it creates a client, hence the lock.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.config import Config
from botocore.session import Session, get_session

_lock = threading.Lock()
_session: Session | None = None


def new_client(
    service: str,
    config: Config,
    region: str | None = None,
    credentials: dict[str, str] | None = None,
) -> Any:
    """A client for service; region, endpoint and credentials from the environment unless
    given (`credentials`: aws_access_key_id, aws_secret_access_key, aws_session_token)."""
    global _session
    with _lock:
        if _session is None:
            _session = get_session()
        return _session.create_client(
            service, region_name=region, config=config, **(credentials or {})
        )
