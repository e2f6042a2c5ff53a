"""Jobs in flight that need attention now: stuck, or close to a SageMaker time limit.

Pure: a job's summary, the time and the thresholds in; its troubles out. The watch
function alerts on them (once per job, kind and episode), the API shows them
(`attention`). See docs/alerts.md, "Before a job fails".

A trouble belongs to an **episode**, the stretch of the job's life it is about, named so
that the same stretch always gets the same name however often it is looked at:

- `Stuck`: the current secondary status and when it began. When the job moves on, a new
  transition starts and the episode ends; a later stall is a new one and alerts again.
- `NearMaxRuntime`: the training start (one run of the job).
- `NearMaxWait`: the creation (a managed spot job's whole wait).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from jobtracker.alert_kinds import AlertKind
from jobtracker.errors import MalformedEvent
from jobtracker.names import IN_PROGRESS, STOPPING
from jobtracker.record import JobIdentity, identity_of
from jobtracker.timestamps import iso_from_ms, to_epoch_ms

STUCK = AlertKind.STUCK
NEAR_MAX_RUNTIME = AlertKind.NEAR_MAX_RUNTIME
NEAR_MAX_WAIT = AlertKind.NEAR_MAX_WAIT
# The kinds of trouble the watch finds, and the API's `attention` names.
WATCH_KINDS = (STUCK, NEAR_MAX_RUNTIME, NEAR_MAX_WAIT)

# The statuses the watch looks at: the others have ended.
WATCHED_STATUSES = (IN_PROGRESS, STOPPING)

# Minutes without a new transition after which a job in this secondary status is stuck.
# The first three are a wait for capacity; Training has none, as a long training is the
# point (configure one to watch it).
DEFAULT_STUCK_AFTER_MINUTES: Mapping[str, int] = {
    "Starting": 30,
    "LaunchingMLInstances": 30,
    "PreparingTrainingStack": 30,
    "Downloading": 60,
    "DownloadingTrainingImage": 60,
    "Uploading": 60,
    "Stopping": 15,
}
DEFAULT_NEAR_MAX_PERCENT = 90

# A job whose snapshot carries no transition yet has been starting since its creation.
_STATUS_BEFORE_ANY_TRANSITION = "Starting"


@dataclass(frozen=True)
class WatchSettings:
    stuck_after_minutes: Mapping[str, int] = field(
        default_factory=lambda: dict(DEFAULT_STUCK_AFTER_MINUTES)
    )
    # NearMaxRuntime and NearMaxWait fire once this share of the limit has passed.
    near_max_percent: int = DEFAULT_NEAR_MAX_PERCENT

    def __post_init__(self) -> None:
        if not 1 <= self.near_max_percent <= 99:
            raise ValueError(
                f"near_max_percent must be between 1 and 99, got {self.near_max_percent}"
            )
        bad = {status: m for status, m in self.stuck_after_minutes.items() if m < 1}
        if bad:
            raise ValueError(f"stuck_after_minutes must be positive minutes, got {bad}")


class InFlightJob(NamedTuple):
    """What the watch needs of a job; all of it is in the listings' summary."""

    identity: JobIdentity
    status: str
    secondary_status: str
    # When the current secondary status began (its transition's start).
    status_since_ms: int
    creation_ms: int
    training_start_ms: int | None
    max_runtime_seconds: int | None
    max_wait_seconds: int | None


class Trouble(NamedTuple):
    kind: AlertKind
    job: JobIdentity
    episode: str
    # The status the job is in, since when, and the limit passed (all seconds).
    secondary_status: str
    since_ms: int
    for_seconds: int
    threshold_seconds: int
    # For NearMaxRuntime / NearMaxWait: SageMaker's limit that the threshold is a share of.
    limit_seconds: int | None = None

    def as_attention(self) -> dict[str, Any]:
        """The API's `attention` entry (docs/api.md)."""
        return {
            "kind": self.kind.value,
            "secondary_status": self.secondary_status,
            "since": iso_from_ms(self.since_ms),
            "for_seconds": self.for_seconds,
            "threshold_seconds": self.threshold_seconds,
            "limit_seconds": self.limit_seconds,
        }


def troubles(job: InFlightJob, now_ms: int, settings: WatchSettings) -> list[Trouble]:
    """Every trouble of this job at `now_ms`, in the order Stuck, NearMaxRuntime,
    NearMaxWait; none before its threshold has passed."""
    if job.status not in WATCHED_STATUSES:
        return []
    found = []
    stuck_minutes = settings.stuck_after_minutes.get(job.secondary_status)
    if stuck_minutes is not None:
        found.append(
            _past(
                STUCK,
                job,
                episode=f"{job.secondary_status}@{iso_from_ms(job.status_since_ms)}",
                since_ms=job.status_since_ms,
                threshold_seconds=stuck_minutes * 60,
                limit_seconds=None,
                now_ms=now_ms,
            )
        )
    # Each limit counts from its own start: the runtime from training, the wait from
    # creation (SageMaker's MaxWaitTimeInSeconds spans the wait for capacity and the run).
    limits = (
        (NEAR_MAX_RUNTIME, job.training_start_ms, job.max_runtime_seconds),
        (NEAR_MAX_WAIT, job.creation_ms, job.max_wait_seconds),
    )
    for kind, start_ms, limit_seconds in limits:
        if limit_seconds and start_ms is not None:
            found.append(
                _past(
                    kind,
                    job,
                    episode=iso_from_ms(start_ms),
                    since_ms=start_ms,
                    threshold_seconds=limit_seconds * settings.near_max_percent // 100,
                    limit_seconds=limit_seconds,
                    now_ms=now_ms,
                )
            )
    return [trouble for trouble in found if trouble is not None]


def _past(
    kind: AlertKind,
    job: InFlightJob,
    *,
    episode: str,
    since_ms: int,
    threshold_seconds: int,
    limit_seconds: int | None,
    now_ms: int,
) -> Trouble | None:
    """The trouble if longer than the threshold has passed since `since_ms`, else None."""
    elapsed_ms = now_ms - since_ms
    if elapsed_ms <= threshold_seconds * 1000:
        return None
    return Trouble(
        kind=kind,
        job=job.identity,
        episode=episode,
        secondary_status=job.secondary_status,
        since_ms=since_ms,
        for_seconds=elapsed_ms // 1000,
        threshold_seconds=threshold_seconds,
        limit_seconds=limit_seconds,
    )


def in_flight_job(summary: Mapping[str, Any]) -> InFlightJob | None:
    """The watch's view of a job from its listing summary; None if it has ended.

    MalformedEvent if the summary lacks what every stored job has (identity, status,
    creation time): a summary is written by the store only, so that is a bug to report,
    not a job to skip silently.
    """
    status = summary.get("training_job_status")
    if status not in WATCHED_STATUSES:
        return None
    identity = identity_of(
        summary.get("account"), summary.get("region"), summary.get("training_job_name"), "summary"
    )
    creation_ms = to_epoch_ms(summary.get("creation_time"), "summary creation_time")
    secondary = summary.get("secondary_status")
    since = summary.get("secondary_status_since")
    if not isinstance(secondary, str) or not secondary:
        secondary = _STATUS_BEFORE_ANY_TRANSITION
    return InFlightJob(
        identity=identity,
        status=status,
        secondary_status=secondary,
        status_since_ms=creation_ms if since is None else to_epoch_ms(since, "summary since"),
        creation_ms=creation_ms,
        training_start_ms=_optional_ms(summary.get("training_start_time")),
        max_runtime_seconds=_optional_seconds(summary.get("max_runtime_in_seconds")),
        max_wait_seconds=_optional_seconds(summary.get("max_wait_time_in_seconds")),
    )


def attention(summary: Mapping[str, Any], now_ms: int, settings: WatchSettings) -> list[Any]:
    """The API's `attention` of a job: its troubles now, as plain entries ([] if none)."""
    job = in_flight_job(summary)
    if job is None:
        return []
    return [trouble.as_attention() for trouble in troubles(job, now_ms, settings)]


def record_attention(
    record: Mapping[str, Any], now_ms: int, settings: WatchSettings
) -> list[dict[str, Any]]:
    """The `attention` of a job's full record (GET /jobs/{name}): the same as its
    summary's, from the same facts."""
    transitions = record.get("secondary_status_transitions")
    last = transitions[-1] if isinstance(transitions, list) and transitions else {}
    stopping = record.get("stopping_condition")
    stopping = stopping if isinstance(stopping, Mapping) else {}
    summary = {
        "training_job_name": record.get("training_job_name"),
        "account": record.get("account"),
        "region": record.get("region"),
        "training_job_status": record.get("training_job_status"),
        "secondary_status": record.get("secondary_status"),
        "secondary_status_since": last.get("start_time") if isinstance(last, Mapping) else None,
        "creation_time": record.get("creation_time"),
        "training_start_time": record.get("training_start_time"),
        "max_runtime_in_seconds": stopping.get("max_runtime_in_seconds"),
        "max_wait_time_in_seconds": stopping.get("max_wait_time_in_seconds"),
    }
    return attention(summary, now_ms, settings)


def _optional_ms(value: object) -> int | None:
    if value is None:
        return None
    try:
        return to_epoch_ms(value)
    except MalformedEvent:
        return None


def _optional_seconds(value: object) -> int | None:
    """A positive whole number of seconds, or None (absent, or not a usable limit)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return int(value)
