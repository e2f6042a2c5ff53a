"""A realistic event stream: many jobs' lifecycles interleaved, delayed, redelivered.

SageMaker emits a full snapshot at each secondary status change; EventBridge and SQS
neither order nor deduplicate. The stream models that: jobs start at random moments,
each event is delivered after a random delay (so events of one job overtake each other),
and a share of events is delivered twice, the copy arriving a little later.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from synthetic.events import BASE_MS, event_body, lifecycle

# Most jobs complete; some fail, are stopped or time out; some are still running.
ENDINGS = (
    ("Completed", 0.55),
    ("Failed", 0.15),
    ("Stopped", 0.08),
    ("MaxRuntimeExceeded", 0.05),
    ("Interrupted", 0.02),
    (None, 0.15),
)
STEP_MS = 60_000
MAX_DELAY_MS = 3 * STEP_MS
DUPLICATE_SHARE = 0.2


@dataclass(frozen=True)
class Delivery:
    job_name: str
    detail: dict[str, Any]
    body: str
    duplicate: bool


@dataclass(frozen=True)
class Stream:
    deliveries: list[Delivery]
    jobs: dict[str, list[dict[str, Any]]]  # name -> its snapshots in emitted order

    @property
    def out_of_order(self) -> int:
        """Deliveries older than one already delivered for the same job."""
        newest: dict[str, int] = {}
        late = 0
        for delivery in self.deliveries:
            moment = int(delivery.detail["LastModifiedTime"])
            if moment < newest.get(delivery.job_name, -1):
                late += 1
            newest[delivery.job_name] = max(moment, newest.get(delivery.job_name, -1))
        return late

    @property
    def duplicates(self) -> int:
        return sum(delivery.duplicate for delivery in self.deliveries)

    @property
    def terminal_jobs(self) -> int:
        return sum(snaps[-1]["TrainingJobStatus"] != "InProgress" for snaps in self.jobs.values())


def realistic_stream(min_events: int = 1000, seed: int = 7, prefix: str = "stream") -> Stream:
    rng = random.Random(seed)
    endings, weights = zip(*ENDINGS, strict=True)
    jobs: dict[str, list[dict[str, Any]]] = {}
    timed: list[tuple[int, float, Delivery]] = []
    unique = 0
    while unique * (1 + DUPLICATE_SHARE) < min_events:
        name = f"{prefix}-{len(jobs):05d}"
        start = BASE_MS + rng.randrange(0, 2 * 3600_000)
        snapshots = lifecycle(
            name,
            rng.choices(endings, weights)[0],
            creation_ms=start,
            step_ms=STEP_MS,
            spot=rng.random() < 0.3,
            tuning_job=f"tune-{rng.randrange(10)}" if rng.random() < 0.3 else None,
        )
        jobs[name] = snapshots
        for detail in snapshots:
            unique += 1
            arrival = int(detail["LastModifiedTime"]) + rng.randrange(MAX_DELAY_MS)
            body = event_body(detail)
            timed.append((arrival, rng.random(), Delivery(name, detail, body, False)))
            if rng.random() < DUPLICATE_SHARE:
                again = arrival + rng.randrange(1, MAX_DELAY_MS)
                timed.append((again, rng.random(), Delivery(name, detail, body, True)))
    timed.sort(key=lambda entry: (entry[0], entry[1]))
    return Stream(deliveries=[delivery for _, _, delivery in timed], jobs=jobs)
