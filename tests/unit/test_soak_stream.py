"""The soak's event stream: the count asked for, shuffled, with duplicates."""

from __future__ import annotations

import json
from collections import Counter

from jobtracker.record import normalise_training_job

from local.soak import soak_stream


def test_the_stream_has_the_count_asked_for_with_duplicates_out_of_order() -> None:
    details = soak_stream(1_000, seed=3)

    assert len(details) == 1_000
    copies = Counter(json.dumps(detail, sort_keys=True, default=str) for detail in details)
    assert max(copies.values()) > 1
    snapshots = [normalise_training_job(detail) for detail in details]
    jobs = {snapshot.name for snapshot in snapshots}
    assert len(jobs) > 100
    # out of order: some job's snapshots arrive newest before oldest
    arrivals: dict[str, list[str]] = {}
    for snapshot in snapshots:
        arrivals.setdefault(snapshot.name, []).append(snapshot.order_key)
    assert any(keys != sorted(keys) for keys in arrivals.values())
