"""What storing a snapshot came to: the store returns it, the pipeline and the alerter act
on it."""

from __future__ import annotations

from enum import Enum


class StoreOutcome(Enum):
    STORED = "stored"  # the snapshot is now the stored job
    STALE = "stale"  # the stored job is as new or newer: nothing changed
