"""Every timestamp form SageMaker and EventBridge are seen to use, to one UTC instant.

Accepted: epoch milliseconds (int, float or numeric string), ISO 8601 strings (with
`Z`, an offset, or naive meaning UTC), and `datetime` (boto3's DescribeTrainingJob).
"""

from __future__ import annotations

from datetime import UTC, datetime

from jobtracker.errors import MalformedEvent

# SageMaker appeared in 2017; anything outside these bounds is a unit mistake or garbage,
# and storing it would put the job in a nonsensical place in every time index.
_EARLIEST_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
_LATEST_MS = 4_102_444_800_000  # 2100-01-01T00:00:00Z


def to_epoch_ms(value: object, field: str = "timestamp") -> int:
    """Return the instant as integer epoch milliseconds, or raise MalformedEvent."""
    millis = _parse(value, field)
    if not _EARLIEST_MS <= millis < _LATEST_MS:
        raise MalformedEvent(f"{field}: {value!r} is outside 2000..2100")
    return millis


def iso_from_ms(millis: int) -> str:
    """`2020-03-10T09:18:09.050Z`: ISO 8601, UTC, milliseconds, a `Z`."""
    moment = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def _parse(value: object, field: str) -> int:
    if isinstance(value, bool):
        raise MalformedEvent(f"{field}: a boolean is not a timestamp")
    if isinstance(value, datetime):
        return _ms_of_datetime(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise MalformedEvent(f"{field}: {value!r} is not a timestamp")
        return round(value)
    if isinstance(value, str):
        return _parse_text(value.strip(), field)
    raise MalformedEvent(f"{field}: expected a timestamp, got {type(value).__name__}")


def _parse_text(text: str, field: str) -> int:
    if not text:
        raise MalformedEvent(f"{field}: empty timestamp")
    try:
        return _parse(float(text), field) if _looks_numeric(text) else _parse_iso(text)
    except ValueError as error:
        if isinstance(error, MalformedEvent):
            raise
        raise MalformedEvent(f"{field}: {text[:64]!r} is not a timestamp") from None


def _looks_numeric(text: str) -> bool:
    return text.lstrip("+-").replace(".", "", 1).isdigit()


def _parse_iso(text: str) -> int:
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return _ms_of_datetime(datetime.fromisoformat(text))


def _ms_of_datetime(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    except OverflowError:
        raise MalformedEvent(f"timestamp {moment!r} is out of range") from None
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000
