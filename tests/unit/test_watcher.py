"""The watch's run with fakes and an injected clock: it reads the jobs in flight once,
alerts each trouble once per episode, and again for a new episode."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jobtracker.alert_kinds import DEFAULT_KINDS, AlertKind
from jobtracker.alerts.watcher import Watcher, in_flight_summaries
from jobtracker.indexes import IndexPage, KeyRange
from jobtracker.record import JobIdentity, normalise_training_job
from jobtracker.store.repository import job_attributes

from synthetic.events import BASE_MS, lifecycle
from tests.fixtures.alert_fakes import FakeClaims, FakePublisher

MINUTE = 60_000


@dataclass
class FakeIndex:
    """The by-status index of a table holding these snapshots, `page_size` at a time."""

    snapshots: dict[str, Any] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    def put(self, detail: dict[str, Any]) -> None:
        snapshot = normalise_training_job(detail)
        self.snapshots[snapshot.name] = snapshot

    def read_index(self, key_range: KeyRange, after: str | None, limit: int) -> IndexPage:
        names = sorted(
            name for name, s in self.snapshots.items() if s.status == key_range.partition
        )
        start = 0 if after is None else names.index(after) + 1
        page = names[start : start + limit]
        self.reads += page
        more = start + limit < len(names)
        summaries = [json.loads(job_attributes(self.snapshots[n])["summary"]) for n in page]
        return IndexPage(summaries, page[-1] if more and page else None)

    def record(self, identity: JobIdentity) -> dict[str, Any] | None:
        snapshot = self.snapshots.get(identity.name)
        return None if snapshot is None else snapshot.record


def watcher(
    index: FakeIndex,
    claims: FakeClaims,
    publisher: FakePublisher,
    now_ms: int,
    kinds=DEFAULT_KINDS,
):
    return Watcher(
        jobs=index,
        claims=claims,
        publisher=publisher,
        stored_record=index.record,
        kinds=frozenset(kinds),
        clock=lambda: now_ms / 1000,
    )


def starting(name: str) -> dict[str, Any]:
    """A job that entered Starting at BASE_MS + 1 minute and is still there."""
    return lifecycle(name, None)[0]


def test_a_capacity_wait_alerts_once_after_30_minutes_not_before():
    index, claims, publisher = FakeIndex(), FakeClaims(), FakePublisher()
    index.put(starting("waits"))
    entered = BASE_MS + MINUTE
    # When the watch runs at 30 minutes, then at 31, 35 and 60
    early = watcher(index, claims, publisher, entered + 30 * MINUTE).run()
    assert early.alerts_sent == [] and publisher.published == []
    for minutes in (31, 35, 60):
        watcher(index, claims, publisher, entered + minutes * MINUTE).run()
    # Then one alert, from the 31st minute, says the status, how long and the threshold
    assert len(publisher.published) == 1
    message = publisher.published[0]
    assert message.attributes["alert_kind"] == "Stuck"
    assert message.text.splitlines()[0] == "SageMaker training job waits stuck in Starting for 31m"
    assert "Threshold: 30m 0s (1800 s)" in message.text
    assert message.body["status_since"] == "2025-11-24T16:01:00.000Z"


def test_a_job_that_moves_on_and_stalls_again_alerts_again():
    index, claims, publisher = FakeIndex(), FakeClaims(), FakePublisher()
    snapshots = lifecycle("stalls", None)
    index.put(snapshots[0])
    watcher(index, claims, publisher, BASE_MS + 40 * MINUTE).run()
    # When it moves on to Downloading (a new episode) and stays there over an hour
    index.put(snapshots[3])
    downloading_since = BASE_MS + 4 * MINUTE
    watcher(index, claims, publisher, downloading_since + 60 * MINUTE).run()
    assert len(publisher.published) == 1  # not yet: an hour to the millisecond
    watcher(index, claims, publisher, downloading_since + 61 * MINUTE).run()
    # Then the second stall alerted too, as a new episode
    episodes = [m.body["episode"] for m in publisher.published]
    assert [m.body["secondary_status"] for m in publisher.published] == ["Starting", "Downloading"]
    assert len(set(episodes)) == 2


def test_near_max_runtime_at_90_percent():
    index, claims, publisher = FakeIndex(), FakeClaims(), FakePublisher()
    index.put(lifecycle("long", None)[-1])  # training since BASE_MS + 2 min, 24 h allowed
    started = BASE_MS + 2 * MINUTE
    watcher(index, claims, publisher, started + int(0.9 * 86400_000)).run()
    assert publisher.published == []
    watcher(index, claims, publisher, started + int(0.9 * 86400_000) + MINUTE).run()
    [message] = publisher.published
    assert message.attributes["alert_kind"] == "NearMaxRuntime"
    assert message.body["limit_seconds"] == 86400
    assert message.body["threshold_seconds"] == 77760
    assert "at 90% of its MaxRuntime" in message.text.splitlines()[0]


def test_reads_per_run_are_the_jobs_in_flight_across_pages():
    index, claims, publisher = FakeIndex(), FakeClaims(), FakePublisher()
    for number in range(7):
        index.put(starting(f"job-{number}"))
    index.put(lifecycle("done", "Completed")[-1])
    given = watcher(index, claims, publisher, BASE_MS)
    summaries = list(in_flight_summaries(index, page_size=3))
    report = given.run()
    assert len(summaries) == 7 and report.summaries_read == report.jobs_in_flight == 7
    assert "done" not in index.reads


def test_a_job_that_moved_on_before_the_claim_does_not_alert():
    index, claims, publisher = FakeIndex(), FakeClaims(moved_on={"raced"}), FakePublisher()
    index.put(starting("raced"))
    report = watcher(index, claims, publisher, BASE_MS + 90 * MINUTE).run()
    assert report.troubles == 1 and publisher.published == []


def test_a_failed_publish_frees_the_episode_for_the_next_run_and_spares_the_others():
    index, claims, publisher = FakeIndex(), FakeClaims(), FakePublisher(failures_left=1)
    index.put(starting("first"))
    index.put(starting("second"))
    report = watcher(index, claims, publisher, BASE_MS + 40 * MINUTE).run()
    assert len(report.failures) == 1 and len(report.alerts_sent) == 1
    assert any(call.startswith("release first Stuck") for call in claims.calls)
    again = watcher(index, claims, publisher, BASE_MS + 45 * MINUTE).run()
    assert [entry.split()[0] for entry in again.alerts_sent] == ["Stuck"]
    assert len(publisher.published) == 2


def test_kinds_not_configured_are_not_claimed():
    index, claims, publisher = FakeIndex(), FakeClaims(), FakePublisher()
    index.put(starting("quiet"))
    watcher(index, claims, publisher, BASE_MS + 90 * MINUTE, kinds=[AlertKind.FAILED]).run()
    assert claims.calls == []
