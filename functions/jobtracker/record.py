"""Normalise a TrainingJob snapshot (event detail or DescribeTrainingJob) into a record.

The record keeps every attribute the input carries, known or not, with snake_case keys,
ISO 8601 UTC timestamps, tags as a list of {key, value} and transitions in order.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple, TypeGuard

from jobtracker.casing import snake_case
from jobtracker.cost import JobCost
from jobtracker.errors import MalformedEvent
from jobtracker.names import COMPLETED, FAILED, IN_PROGRESS, STOPPED, STOPPING
from jobtracker.numbers import record_number
from jobtracker.redaction import REDACT, Redaction
from jobtracker.timestamps import iso_from_ms, to_epoch_ms

TERMINAL_RANK = 2
# A status's place in the order key (docs/design.md, "Ordering"); its keys in names.STATUSES' order.
STATUS_RANK = {
    IN_PROGRESS: 0,
    STOPPING: 1,
    COMPLETED: TERMINAL_RANK,
    FAILED: TERMINAL_RANK,
    STOPPED: TERMINAL_RANK,
}
# The TrainingJob type nests five levels deep; DynamoDB's own limit for a document is 32.
# Deeper input is garbage, and recursing through it would exhaust the stack.
MAX_DEPTH = 32
# A secondary status is a short identifier; it is part of a transition item's sort key,
# which DynamoDB caps at 1,024 bytes.
MAX_STATUS_BYTES = 256

# Maps whose keys are the user's own words (hyperparameter names, env vars, tag keys):
# they are kept verbatim, never re-cased.
USER_MAPS = frozenset(
    {
        "HyperParameters",
        "Environment",
        "HookParameters",
        "RuleParameters",
        "CollectionParameters",
        "ProfilingParameters",
    }
)
# Part of the boto3 response, not of the TrainingJob.
NOT_ATTRIBUTES = frozenset({"ResponseMetadata"})

JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
ACCOUNT = re.compile(r"^[0-9]{12}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")
# arn:<partition>:sagemaker:<region>:<account>:training-job/<name>; SageMaker writes the
# name in lower case in the ARN, so the name itself comes from TrainingJobName.
TRAINING_JOB_ARN = re.compile(
    r"^arn:aws[a-z-]*:sagemaker:(?P<region>[^:]*):(?P<account>[^:]*):training-job/(?P<name>.+)$"
)


class Place(NamedTuple):
    """An account and region: where jobs live, and where the tracker itself is (home)."""

    account: str
    region: str


class JobIdentity(NamedTuple):
    """Who a job is: SageMaker names are unique only within one account and region."""

    account: str
    region: str
    name: str

    def __str__(self) -> str:
        return f"{self.account}/{self.region}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> JobIdentity:
        """The inverse of str(); MalformedEvent if `text` is not one."""
        account, _, rest = text.partition("/")
        region, _, name = rest.partition("/")
        return identity_of(account, region, name, "job identity")


def identity_of(account: object, region: object, name: object, where: str) -> JobIdentity:
    """A checked identity; MalformedEvent naming `where` if a part is missing or malformed."""
    if account is None or region is None:
        raise MalformedEvent(f"{where}: {'account' if account is None else 'region'} missing")
    if not isinstance(account, str) or not ACCOUNT.fullmatch(account):
        raise MalformedEvent(f"{where}: account {str(account)[:40]!r} is not a 12-digit account id")
    if not isinstance(region, str) or not REGION.fullmatch(region):
        raise MalformedEvent(f"{where}: region {str(region)[:40]!r} is not an AWS region")
    if not is_training_job_name(name):
        raise MalformedEvent(f"{where}: {str(name)[:80]!r} is not a training job name")
    return JobIdentity(account, region, name)


def identity_from_arn(arn: object, name: str) -> JobIdentity:
    """The identity a TrainingJobArn names; MalformedEvent if it is not one of `name`."""
    match = TRAINING_JOB_ARN.fullmatch(arn) if isinstance(arn, str) else None
    if match is None:
        raise MalformedEvent(
            f"TrainingJobArn: {str(arn)[:120]!r} is not a training job ARN "
            "(arn:aws:sagemaker:<region>:<account>:training-job/<name>)"
        )
    if match["name"].lower() != name.lower():
        raise MalformedEvent(f"TrainingJobArn: {match[0][:120]!r} names another job than {name!r}")
    return identity_of(match["account"], match["region"], name, "TrainingJobArn")


class Transition(NamedTuple):
    status: str
    start_ms: int
    end_ms: int | None
    status_message: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "start_time": iso_from_ms(self.start_ms),
            "end_time": None if self.end_ms is None else iso_from_ms(self.end_ms),
            "status_message": self.status_message,
        }


class JobSnapshot(NamedTuple):
    """One full snapshot of a training job, normalised, with its place in the job's order."""

    name: str
    account: str
    region: str
    status: str
    secondary_status: str | None
    creation_ms: int
    last_modified_ms: int
    transitions: tuple[Transition, ...]
    record: dict[str, Any]
    # A terminal snapshot that DescribeTrainingJob could not complete yet: stored as it
    # is and marked, so the reconciler finds it and finishes it. Not part of the record
    # nor of the order: it says what is still to do, not what the job is.
    enrichment_pending: bool = False
    # What the job cost and whose spend it is (jobtracker.pricing), once priced: not part
    # of the record nor of the order either, since a price is the tracker's, not SageMaker's.
    cost: JobCost | None = None
    spend_groups: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # Without the record: it can run to kilobytes, and a repr lands in logs and errors.
        return (
            f"JobSnapshot({self.identity}, {self.status}/{self.secondary_status}, "
            f"last_modified_ms={self.last_modified_ms}, transitions={len(self.transitions)})"
        )

    @property
    def identity(self) -> JobIdentity:
        return JobIdentity(self.account, self.region, self.name)

    @property
    def rank(self) -> int:
        return STATUS_RANK[self.status]

    @property
    def is_terminal(self) -> bool:
        return self.rank == TERMINAL_RANK

    @property
    def version(self) -> tuple[int, int, int]:
        """The version (docs/design.md, "Ordering"): (last_modified_time, status rank,
        number of transitions)."""
        return (self.last_modified_ms, self.rank, len(self.transitions))

    @property
    def order_key(self) -> str:
        """A string whose byte order is the order in which snapshots may replace each other.

        Terminal first (a terminal status never goes back), then the version, then the
        number of attributes (a described snapshot carries more than its event) and a
        content digest, so that two different snapshots never tie: whatever order they
        arrive in, the same one wins.
        """
        terminal = 1 if self.is_terminal else 0
        lmt, rank, count = self.version
        return f"{terminal}.{lmt:013d}.{rank}.{count:05d}.{len(self.record):04d}.{self.digest}"

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.record, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def is_training_job_name(text: object) -> TypeGuard[str]:
    """SageMaker's rule for a training job name: 1-63 letters, digits and inner hyphens."""
    return isinstance(text, str) and JOB_NAME.fullmatch(text) is not None


def normalise_training_job(
    detail: Mapping[str, Any],
    place: tuple[object, object] | None = None,
    *,
    redaction: Redaction = REDACT,
) -> JobSnapshot:
    """Turn an event's `detail` or a DescribeTrainingJob response into a JobSnapshot.

    `place` is the (account, region) the job lives in, as an event's envelope says;
    without it (a DescribeTrainingJob response) the TrainingJobArn says. Never guessed:
    a missing or malformed one is a MalformedEvent. Numbers that strict JSON or DynamoDB
    cannot hold are made safe (jobtracker.numbers), and the user's maps redacted
    (jobtracker.redaction).
    """
    if not isinstance(detail, Mapping):
        raise MalformedEvent(f"detail: expected an object, got {type(detail).__name__}")
    _check_depth(detail)
    name = _required_name(detail)
    if place is None:
        identity = identity_from_arn(detail.get("TrainingJobArn"), name)
    else:
        identity = identity_of(place[0], place[1], name, "event")
    status = _required_status(detail)
    secondary = detail.get("SecondaryStatus")
    if secondary is not None and not isinstance(secondary, str):
        raise MalformedEvent("SecondaryStatus: expected a string")
    creation_ms = _required_time(detail, "CreationTime")
    last_modified_ms = _required_time(detail, "LastModifiedTime")
    transitions = _transitions(detail.get("SecondaryStatusTransitions"))

    record: dict[str, Any] = {}
    for key, value in detail.items():
        if key in NOT_ATTRIBUTES:
            continue
        if key == "SecondaryStatusTransitions":
            record["secondary_status_transitions"] = [t.as_dict() for t in transitions]
        elif key == "Tags":
            record["tags"] = _tags(value)
        else:
            record[_key(key)] = _value(key, value, key, redaction)
    # The job's place, which the TrainingJob document itself names only inside its ARN.
    record["account"] = identity.account
    record["region"] = identity.region
    return JobSnapshot(
        name=name,
        account=identity.account,
        region=identity.region,
        status=status,
        secondary_status=secondary,
        creation_ms=creation_ms,
        last_modified_ms=last_modified_ms,
        transitions=transitions,
        record=record,
    )


def _required_name(detail: Mapping[str, Any]) -> str:
    name = detail.get("TrainingJobName")
    if not is_training_job_name(name):
        raise MalformedEvent(f"TrainingJobName: {str(name)[:80]!r} is not a training job name")
    return name


def _required_status(detail: Mapping[str, Any]) -> str:
    status = detail.get("TrainingJobStatus")
    # A list or an object is unhashable: test the type before looking it up.
    if not isinstance(status, str) or status not in STATUS_RANK:
        raise MalformedEvent(
            f"TrainingJobStatus: {str(status)[:40]!r} is not one of {', '.join(STATUS_RANK)}"
        )
    return str(status)


def _required_time(detail: Mapping[str, Any], key: str) -> int:
    if detail.get(key) is None:
        raise MalformedEvent(f"{key}: missing")
    return to_epoch_ms(detail[key], key)


def _transitions(raw: object) -> tuple[Transition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise MalformedEvent("SecondaryStatusTransitions: expected a list")
    parsed = []
    for index, item in enumerate(raw):
        where = f"SecondaryStatusTransitions[{index}]"
        if not isinstance(item, Mapping):
            raise MalformedEvent(f"{where}: expected an object")
        status = item.get("Status")
        message = item.get("StatusMessage")
        if not isinstance(status, str) or not status:
            raise MalformedEvent(f"{where}.Status: expected a non-empty string")
        if len(status.encode()) > MAX_STATUS_BYTES:
            raise MalformedEvent(f"{where}.Status: longer than {MAX_STATUS_BYTES} bytes")
        if message is not None and not isinstance(message, str):
            raise MalformedEvent(f"{where}.StatusMessage: expected a string")
        if item.get("StartTime") is None:
            raise MalformedEvent(f"{where}.StartTime: missing")
        start = to_epoch_ms(item["StartTime"], f"{where}.StartTime")
        end_raw = item.get("EndTime")
        end = None if end_raw is None else to_epoch_ms(end_raw, f"{where}.EndTime")
        parsed.append(Transition(status, start, end, message))
    parsed.sort(key=lambda t: t.start_ms)
    return tuple(
        t if t.end_ms is not None else _ended_by(t, parsed[i + 1] if i + 1 < len(parsed) else None)
        for i, t in enumerate(parsed)
    )


def _ended_by(transition: Transition, following: Transition | None) -> Transition:
    end = None if following is None else following.start_ms
    return Transition(transition.status, transition.start_ms, end, transition.status_message)


def _tags(raw: object) -> list[dict[str, str]]:
    if raw is None:
        return []
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        pairs = []
        for item in raw:
            if not isinstance(item, Mapping) or "Key" not in item:
                raise MalformedEvent("Tags: expected {Key, Value} objects")
            pairs.append((item["Key"], item.get("Value", "")))
    else:
        raise MalformedEvent("Tags: expected a map or a list of {Key, Value}")
    for key, value in pairs:
        if not isinstance(key, str) or not isinstance(value, str):
            raise MalformedEvent("Tags: keys and values must be strings")
    return [{"key": key, "value": value} for key, value in pairs]


def _key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise MalformedEvent(f"attribute name {key!r} is not a string")
    return snake_case(key)


def _is_time_key(key: str) -> bool:
    return key.endswith(("Time", "Timestamp"))


def _value(key: str, value: Any, path: str, redaction: Redaction) -> Any:
    if value is None:
        return None
    if key in USER_MAPS:
        if not isinstance(value, Mapping):
            raise MalformedEvent(f"{path}: expected a map")
        return redaction.user_map(key, value, _user_value)
    if _is_time_key(key) and not isinstance(value, (Mapping, list)):
        return iso_from_ms(to_epoch_ms(value, path))
    if isinstance(value, Mapping):
        return {_key(k): _value(k, v, f"{path}.{k}", redaction) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(key, item, f"{path}[{i}]", redaction) for i, item in enumerate(value)]
    if isinstance(value, datetime):
        return iso_from_ms(to_epoch_ms(value, path))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return record_number(value)
    if isinstance(value, (str, bool)):
        return value
    raise MalformedEvent(f"{path}: unsupported value of type {type(value).__name__}")


def _user_value(value: Any) -> Any:
    """A value of a user's map, kept as it came but for the numbers JSON cannot carry."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return record_number(value)
    if isinstance(value, Mapping):
        return {str(k): _user_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_user_value(item) for item in value]
    return value


def _check_depth(detail: Mapping[str, Any]) -> None:
    """Refuse documents nested deeper than MAX_DEPTH, without recursing into them."""
    level: list[Any] = [detail]
    for depth in range(1, MAX_DEPTH + 2):
        children: list[Any] = []
        for value in level:
            if isinstance(value, Mapping):
                children.extend(value.values())
            elif isinstance(value, list):
                children.extend(value)
        if not children:
            return
        if depth > MAX_DEPTH:
            raise MalformedEvent(f"detail: nested deeper than {MAX_DEPTH} levels")
        level = children


def snapshot_of_record(record: Mapping[str, Any]) -> JobSnapshot:
    """The snapshot a stored record was normalised from (its order key aside: a stored
    record says what the job is, not which event brought it).

    For writers that start from the table rather than from an event (the watch).
    """
    name = record.get("training_job_name")
    identity = identity_of(record.get("account"), record.get("region"), name, "stored record")
    secondary = record.get("secondary_status")
    transitions = tuple(
        Transition(
            str(item["status"]),
            to_epoch_ms(item["start_time"]),
            None if item.get("end_time") is None else to_epoch_ms(item["end_time"]),
            item.get("status_message"),
        )
        for item in record.get("secondary_status_transitions") or []
    )
    return JobSnapshot(
        name=identity.name,
        account=identity.account,
        region=identity.region,
        status=_required_status({"TrainingJobStatus": record.get("training_job_status")}),
        secondary_status=secondary if isinstance(secondary, str) else None,
        creation_ms=to_epoch_ms(record.get("creation_time"), "creation_time"),
        last_modified_ms=to_epoch_ms(record.get("last_modified_time"), "last_modified_time"),
        transitions=transitions,
        record=dict(record),
    )
