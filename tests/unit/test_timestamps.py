from datetime import UTC, datetime, timedelta, timezone

import pytest
from jobtracker.errors import MalformedEvent
from jobtracker.timestamps import iso_from_ms, to_epoch_ms

MILLIS = 1583831889050
ISO = "2020-03-10T09:18:09.050Z"


@pytest.mark.parametrize(
    "value",
    [
        MILLIS,
        float(MILLIS),
        MILLIS + 0.4,
        str(MILLIS),
        f" {MILLIS} ",
        f"{MILLIS}.0",
        ISO,
        "2020-03-10T09:18:09.050+00:00",
        "2020-03-10T10:18:09.050+01:00",
        "2020-03-10T09:18:09.050",
        datetime(2020, 3, 10, 9, 18, 9, 50000, tzinfo=UTC),
        datetime(2020, 3, 10, 4, 18, 9, 50000, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2020, 3, 10, 9, 18, 9, 50000),
    ],
)
def test_every_published_form_gives_the_same_instant(value: object) -> None:
    assert to_epoch_ms(value) == MILLIS
    assert iso_from_ms(to_epoch_ms(value)) == ISO


def test_iso_output_always_has_milliseconds_and_z() -> None:
    assert iso_from_ms(1583831889000) == "2020-03-10T09:18:09.000Z"
    assert iso_from_ms(1583831889007) == "2020-03-10T09:18:09.007Z"


@pytest.mark.parametrize(
    "value",
    [True, None, "", "yesterday", "2020-13-45T00:00:00Z", [MILLIS], {"t": MILLIS}, float("nan")],
)
def test_what_is_not_a_timestamp_is_malformed(value: object) -> None:
    with pytest.raises(MalformedEvent):
        to_epoch_ms(value, "CreationTime")


@pytest.mark.parametrize("value", [0, 1583831889, "1583831889", 10**17])
def test_seconds_or_absurd_values_are_rejected_not_misplaced(value: object) -> None:
    # Epoch seconds read as milliseconds would land in January 1970; refuse instead.
    with pytest.raises(MalformedEvent, match="outside"):
        to_epoch_ms(value, "LastModifiedTime")


def test_error_names_the_field() -> None:
    with pytest.raises(MalformedEvent, match="TrainingEndTime"):
        to_epoch_ms("soon", "TrainingEndTime")
