"""A table of 100,000 jobs, loaded in bulk with the items the write path would leave.

Storing 100,000 snapshots one by one through UpdateItem and a transaction would measure
the emulator for an hour: the store's bulk load (jobtracker.store.bulk_load) writes them
instead. Snapshots are made, normalised and turned into items on every core.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from jobtracker.record import normalise_training_job
from jobtracker.store.bulk_load import LoadedJob, loaded_job

from synthetic.events import BASE_MS, lifecycle

DAY_MS = 86_400_000
# The loaded jobs end the day before the ingest stream starts, so that the stream's own
# daily counters (written by the real write path) are never overwritten by the load.
LAST_DAY_MS = BASE_MS - DAY_MS
SPAN_DAYS = 180
PROJECTS = (
    "resnet", "bert", "xgboost", "llama-ft", "yolo", "whisper", "t5", "vit", "gpt2", "clip",
    "detr", "unet", "sd-lora", "mistral-ft", "deberta", "wav2vec", "lgbm", "prophet", "sam",
    "mae",
)  # fmt: skip
TUNING_SHARE = 0.2
TUNING_JOB_SIZE = 40
ENDINGS = (("Completed", 0.7), ("Failed", 0.15), ("Stopped", 0.08), ("MaxRuntimeExceeded", 0.07))


def job_spec(index: int, seed: int) -> dict[str, Any]:
    """The job with this index: name, ending, creation time, tuning job, spot."""
    rng = random.Random(seed * 1_000_003 + index)
    tuned = index % 100 < TUNING_SHARE * 100
    if tuned:
        # The training jobs of one tuning job are created within the same few hours.
        group = index // (100 * TUNING_JOB_SIZE) * 100 + index % 100
        start = LAST_DAY_MS - random.Random(group).randrange(SPAN_DAYS * DAY_MS)
        creation = start + rng.randrange(6 * 3600_000)
    else:
        group, creation = -1, LAST_DAY_MS - rng.randrange(SPAN_DAYS * DAY_MS)
    creation = min(creation, LAST_DAY_MS + DAY_MS - 3600_000)
    endings = [ending for ending, _ in ENDINGS]
    weights = [weight for _, weight in ENDINGS]
    recent = LAST_DAY_MS - creation < 2 * DAY_MS
    ending = None if recent and rng.random() < 0.5 else rng.choices(endings, weights)[0]
    project = PROJECTS[rng.randrange(len(PROJECTS))]
    return {
        "name": f"{project}-{index:06d}",
        "ending": ending,
        "creation_ms": creation,
        "tuning_job": f"tune-{group:05d}" if tuned else None,
        "spot": rng.random() < 0.3,
        "instance_count": rng.choice((1, 1, 1, 2, 4, 8)),
    }


def build_job(index: int, seed: int = 11) -> LoadedJob:
    spec = job_spec(index, seed)
    detail = lifecycle(
        spec["name"],
        spec["ending"],
        creation_ms=spec["creation_ms"],
        spot=spec["spot"],
        tuning_job=spec["tuning_job"],
        instance_count=spec["instance_count"],
    )[-1]
    if spec["ending"] is not None:
        # An ended job carries what enrichment adds: billable and training seconds.
        seconds = (int(detail["TrainingEndTime"]) - int(detail["TrainingStartTime"])) // 1000
        detail["TrainingTimeInSeconds"] = seconds
        detail["BillableTimeInSeconds"] = seconds // 3 if spec["spot"] else seconds
    return loaded_job(normalise_training_job(detail))


def _build_chunk(bounds: tuple[int, int]) -> list[LoadedJob]:
    return [build_job(index) for index in range(*bounds)]


def build_jobs(count: int, workers: int, report: Callable[[str], None]) -> list[LoadedJob]:
    chunk = 5_000
    bounds = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    jobs: list[LoadedJob] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(_build_chunk, bounds):
            jobs.extend(part)
            report(f"built {len(jobs):,} of {count:,} job items")
    return jobs
