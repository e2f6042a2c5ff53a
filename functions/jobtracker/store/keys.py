"""How items are keyed and how a record is packed: shared by the reads and the writes."""

from __future__ import annotations

import json
import zlib
from typing import Any

from jobtracker.record import Transition
from jobtracker.timestamps import iso_from_ms

JOB_SK = "JOB"
TRANSITION_PREFIX = "TRANSITION#"
STATS_PK = "STATS"
DAY_PREFIX = "DAY#"


def job_pk(name: str) -> str:
    return f"JOB#{name}"


def name_shard(name: str) -> str:
    """The by-name index partition of a job: its first character (names are never empty)."""
    return name[:1]


def stats_day_sk(day: str) -> str:
    """The daily aggregate item of a creation day (`yyyy-mm-dd`)."""
    return f"{DAY_PREFIX}{day}"


def transition_sk(transition: Transition) -> str:
    return f"{TRANSITION_PREFIX}{iso_from_ms(transition.start_ms)}#{transition.status}"


def compress_record(record: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(record, separators=(",", ":")).encode(), 6)


def decompress_record(blob: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(zlib.decompress(blob))
    return document
