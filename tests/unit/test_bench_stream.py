"""The benchmark's event stream is the realistic one its README describes."""

from __future__ import annotations

import json
from collections import Counter

from bench.stream import realistic_stream


def test_the_stream_is_large_disordered_and_redelivered() -> None:
    # Given the stream `make bench` ingests
    stream = realistic_stream(min_events=1000)
    # Then it has at least 1,000 events, of many jobs, some of them ended
    assert len(stream.deliveries) >= 1000
    assert len(stream.jobs) >= 100
    assert 0 < stream.terminal_jobs < len(stream.jobs)
    # And a share of redeliveries and of events older than one already delivered
    assert 0.1 < stream.duplicates / len(stream.deliveries) < 0.3
    assert stream.out_of_order > 0.1 * len(stream.deliveries)


def test_every_snapshot_is_delivered_and_only_redeliveries_repeat() -> None:
    stream = realistic_stream(min_events=200, seed=3)
    bodies = Counter(delivery.body for delivery in stream.deliveries)
    emitted = sum(len(snapshots) for snapshots in stream.jobs.values())
    assert len(bodies) == emitted
    assert sum(bodies.values()) - emitted == stream.duplicates
    names = {json.loads(body)["detail"]["TrainingJobName"] for body in bodies}
    assert names == set(stream.jobs)


def test_the_same_seed_gives_the_same_stream() -> None:
    first, again = realistic_stream(min_events=100, seed=5), realistic_stream(100, seed=5)
    # (event ids are random, as EventBridge's are; the snapshots and their order are not)
    assert [d.detail for d in first.deliveries] == [d.detail for d in again.deliveries]
