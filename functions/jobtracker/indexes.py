"""The shapes the queries and the store exchange: which index, which key range, a page.

Their own module, below the store: the store's reads (store/reads.py), which the writers
load too (the alerter and the reconciler read through them), need not import the
queries or the page tokens, which only the api loads.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, NamedTuple


class IndexName(Enum):
    STATUS = "by-status"
    MONTH = "by-month"
    TUNING_JOB = "by-tuning-job"
    NAME = "by-name"
    ACCOUNT = "by-account"
    ACCOUNT_STATUS = "by-account-status"
    PLACE = "by-place"
    PLACE_STATUS = "by-place-status"


class KeyRange(NamedTuple):
    """One partition of one index and an inclusive sort-key range (or prefix) in it."""

    index_name: IndexName
    partition: str
    low: str | None = None
    high: str | None = None
    prefix: str | None = None


class IndexPage(NamedTuple):
    items: list[dict[str, Any]]
    # Sort key of the last item when the partition may hold more after it, else None.
    last_key: str | None
