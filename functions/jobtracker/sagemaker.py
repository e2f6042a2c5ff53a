"""SageMaker as jobtracker reads it: DescribeTrainingJob and ListTrainingJobs.

Every failure becomes one of three domain errors, so that callers decide what to do
with a missing job, a throttled account or an unreachable service without looking at
botocore's exceptions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, NamedTuple

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from jobtracker.errors import MalformedEvent
from jobtracker.record import STATUS_RANK, JobIdentity, JobSnapshot, Place, normalise_training_job
from jobtracker.redaction import REDACT, Redaction
from jobtracker.timestamps import to_epoch_ms

# Short timeouts: a describe sits in front of a store and an alert. Adaptive retries
# slow the client down on throttling instead of hammering the account's shared quota.
CLIENT_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"mode": "adaptive", "max_attempts": 3},
)
# What one DescribeTrainingJob can take at worst: three attempts at the full timeouts,
# plus the backoff between them.
WORST_CALL_MS = 3 * (2 + 5) * 1000 + 2_000

_THROTTLING = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
    }
)
# DescribeTrainingJob's only input is the name, checked to be a job name before the
# call, so a ValidationException from it means "no such job" (the documented error is
# ResourceNotFound; the service answers ValidationException).
_NOT_FOUND = frozenset({"ResourceNotFound", "ResourceNotFoundException", "ValidationException"})


class SageMakerError(Exception):
    """SageMaker did not answer; the message says why."""


class JobNotFound(SageMakerError):
    pass


class SageMakerThrottled(SageMakerError):
    pass


class SageMakerUnavailable(SageMakerError):
    """Denied, timed out, unreachable, a server error: anything but the two above."""


# The one seam between jobtracker and SageMaker's accounts: (account, region) -> a client
# that reads that account's jobs in that region, or SageMakerUnavailable. Made by
# jobtracker.sagemaker_clients.job_clients.
SageMakerClients = Callable[[str, str], Any]


class ListedJob(NamedTuple):
    """One TrainingJobSummary of ListTrainingJobs."""

    job: JobIdentity
    creation_ms: int
    last_modified_ms: int
    rank: int

    @property
    def name(self) -> str:
        return self.job.name


def describe_job(
    client: Any,
    job: JobIdentity,
    known_tags: list[dict[str, str]] | None = None,
    redaction: Redaction = REDACT,
) -> JobSnapshot:
    """DescribeTrainingJob, normalised like any event; MalformedEvent if it cannot be, or
    if the answer is another job than `job` (a client of the wrong account).

    DescribeTrainingJob has no tags, which the event has: `known_tags` (the record's
    `{key, value}` list) are the job's tags; without them, ListTags is asked.
    """
    name = job.name
    try:
        response = dict(client.describe_training_job(TrainingJobName=name))
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in _NOT_FOUND:
            raise JobNotFound(f"{name}: {code}") from None
        raise _failure(error, f"DescribeTrainingJob {name}") from None
    except BotoCoreError as error:
        raise SageMakerUnavailable(f"DescribeTrainingJob {name}: {error}") from None
    if "Tags" not in response:
        if known_tags is not None:
            response["Tags"] = [{"Key": t["key"], "Value": t["value"]} for t in known_tags]
        elif isinstance(response.get("TrainingJobArn"), str):
            response["Tags"] = _list_tags(client, response["TrainingJobArn"])
    snapshot = normalise_training_job(response, redaction=redaction)
    if snapshot.identity != job:
        raise MalformedEvent(f"DescribeTrainingJob {job} answered for {snapshot.identity}")
    return snapshot


def _list_tags(client: Any, arn: str) -> list[dict[str, str]]:
    pages = client.get_paginator("list_tags").paginate(
        ResourceArn=arn, PaginationConfig={"PageSize": 100}
    )
    return [tag for page in _pages(pages, f"ListTags {arn}") for tag in page.get("Tags", [])]


def list_changed_jobs(
    client: Any, place: Place, since_ms: int, created_after_ms: int | None, page_size: int
) -> Iterator[list[ListedJob]]:
    """Pages of the jobs modified after `since_ms`, oldest created first; `client` reads
    the jobs of `place`.

    A page may be empty and still not be the last (the service filters after paging).
    """
    request: dict[str, Any] = {
        "LastModifiedTimeAfter": _datetime(since_ms),
        "SortBy": "CreationTime",
        "SortOrder": "Ascending",
        "PaginationConfig": {"PageSize": page_size},
    }
    if created_after_ms is not None:
        request["CreationTimeAfter"] = _datetime(created_after_ms)
    pages = client.get_paginator("list_training_jobs").paginate(**request)
    for page in _pages(pages, "ListTrainingJobs"):
        summaries = page.get("TrainingJobSummaries", [])
        yield [job for job in (_listed(place, summary) for summary in summaries) if job]


def _pages(pages: Iterable[dict[str, Any]], call: str) -> Iterator[dict[str, Any]]:
    """A botocore paginator's pages, its failures as SageMaker errors (each page is a
    request, so any of them can fail)."""
    iterator = iter(pages)
    while True:
        try:
            page = next(iterator)
        except StopIteration:
            return
        except ClientError as error:
            raise _failure(error, call) from None
        except BotoCoreError as error:
            raise SageMakerUnavailable(f"{call}: {error}") from None
        yield page


def _listed(place: Place, summary: dict[str, Any]) -> ListedJob | None:
    try:
        creation_ms = to_epoch_ms(summary["CreationTime"], "CreationTime")
        modified = summary.get("LastModifiedTime")
        last_modified_ms = creation_ms if modified is None else to_epoch_ms(modified)
    except (KeyError, MalformedEvent):
        return None
    name = summary.get("TrainingJobName")
    if not isinstance(name, str) or not name:
        return None
    rank = STATUS_RANK.get(str(summary.get("TrainingJobStatus")), 0)
    job = JobIdentity(place.account, place.region, name)
    return ListedJob(job, creation_ms, last_modified_ms, rank)


def is_throttling(code: str) -> bool:
    """Whether an AWS error code means "slow down" (each service spells it its own way)."""
    return code in _THROTTLING


def _failure(error: ClientError, call: str) -> SageMakerError:
    code = str(error.response.get("Error", {}).get("Code", ""))
    if is_throttling(code):
        return SageMakerThrottled(f"{call}: {code}")
    return SageMakerUnavailable(f"{call}: {code or error}")


def _datetime(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
