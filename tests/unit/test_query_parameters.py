"""The parameter parser: what it accepts, what it refuses, and that it refuses only with
InvalidQuery (a 400), whatever it is given."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from api.query_params import (
    LIST_PARAMETERS,
    MAX_LIMIT,
    parse_instant,
    parse_job_query,
    parse_stats_query,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from jobtracker.errors import InvalidQuery
from jobtracker.queries import Window

from tests.fixtures.hostile import calendar_edge_times

ARN = "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/hpo-a"
TODAY = date(2026, 11, 28)


def record_form(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@settings(max_examples=300)
@given(
    moment=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ).map(lambda m: m.replace(microsecond=m.microsecond // 1000 * 1000)),
    offset_minutes=st.integers(-14 * 60, 14 * 60),
    form=st.sampled_from(["z", "offset", "naive"]),
)
def test_any_iso_time_becomes_the_record_form(
    moment: datetime, offset_minutes: int, form: str
) -> None:
    # Given an instant written with Z, with any offset, or without one (UTC)
    local = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    text = {
        "z": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "offset": local.isoformat(),
        "naive": moment.replace(tzinfo=None).isoformat(),
    }[form]
    # When it is parsed as either bound, Then it is that instant in the record's form
    assert parse_instant("created_after", text, end_of_day=False) == record_form(moment)
    assert parse_instant("created_before", text, end_of_day=True) == record_form(moment)


@given(day=st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)))
def test_a_date_alone_is_the_whole_day(day: date) -> None:
    assert parse_instant("created_after", day.isoformat(), end_of_day=False) == (
        f"{day.isoformat()}T00:00:00.000Z"
    )
    assert parse_instant("created_before", day.isoformat(), end_of_day=True) == (
        f"{day.isoformat()}T23:59:59.999Z"
    )


def test_sub_millisecond_bounds_round_inwards() -> None:
    assert parse_instant("a", "2026-11-01T00:00:00.0001Z", end_of_day=False) == (
        "2026-11-01T00:00:00.001Z"
    )
    assert parse_instant("b", "2026-11-01T00:00:00.0009Z", end_of_day=True) == (
        "2026-11-01T00:00:00.000Z"
    )


def test_defaults() -> None:
    query = parse_job_query(None)
    assert (query.limit, query.status, query.window, query.next_token) == (50, None, Window(), None)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": str(MAX_LIMIT + 1)}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"limit": ""}, "limit"),
        ({"status": "Running"}, "status"),
        ({"status": "failed"}, "status"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_before": "2026-13-01"}, "created_before"),
        ({"created_after": ""}, "created_after"),
        ({"created_after": "2026-11-02", "created_before": "2026-11-01"}, "later than"),
        ({"tuning_job_arn": "hpo-a"}, "tuning_job_arn"),
        ({"name_prefix": "-x"}, "name_prefix"),
        ({"name_prefix": "a" * 64}, "name_prefix"),
        ({"name_prefix": "x", "status": "Failed"}, "name_prefix cannot be combined"),
        ({"name_prefix": "x", "created_after": "2026-01-01"}, "name_prefix cannot be combined"),
        ({"tuning_job_arn": ARN, "status": "Failed"}, "tuning_job_arn cannot be combined"),
        ({"state": "Failed"}, "unknown parameter 'state'"),
    ],
)
def test_bad_parameters_are_refused_with_their_name(params: dict[str, str], words: str) -> None:
    with pytest.raises(InvalidQuery, match=words):
        parse_job_query(params)


def test_supported_combinations_parse() -> None:
    window = {"created_after": "2026-11-01", "created_before": "2026-11-30T12:00:00Z"}
    assert parse_job_query({"status": "Failed", **window}).window == Window(
        "2026-11-01T00:00:00.000Z", "2026-11-30T12:00:00.000Z"
    )
    assert parse_job_query({"tuning_job_arn": ARN, **window}).tuning_job_arn == ARN
    assert parse_job_query({"name_prefix": "bert-", "limit": "100"}).limit == 100


texts = st.text(max_size=80) | st.sampled_from(["2026-11-01", "Failed", "50", "x", ARN, ""])


@settings(max_examples=500)
@given(params=st.dictionaries(st.sampled_from([*LIST_PARAMETERS, "other"]), texts, max_size=5))
def test_any_input_parses_or_is_refused_as_invalid(params: dict[str, str]) -> None:
    try:
        query = parse_job_query(params)
    except InvalidQuery as error:
        assert str(error)
    else:
        assert 1 <= query.limit <= MAX_LIMIT


@settings(max_examples=300)
@given(params=st.dictionaries(st.sampled_from(["created_after", "created_before"]), texts))
def test_any_stats_window_parses_or_is_refused_as_invalid(params: dict[str, str]) -> None:
    try:
        query = parse_stats_query(params, TODAY)
    except InvalidQuery:
        return
    assert query.first_day <= query.last_day


def test_stats_window_defaults_to_thirty_days_ending_today() -> None:
    query = parse_stats_query({}, TODAY)
    assert (query.first_day, query.last_day) == ("2026-10-30", "2026-11-28")


def test_stats_window_is_whole_days() -> None:
    query = parse_stats_query(
        {"created_after": "2026-11-01T13:00:00Z", "created_before": "2026-11-03T01:00:00+02:00"},
        TODAY,
    )
    assert (query.first_day, query.last_day) == ("2026-11-01", "2026-11-02")


def test_stats_window_after_today_without_before_is_refused() -> None:
    with pytest.raises(InvalidQuery, match="default: today"):
        parse_stats_query({"created_after": "2027-01-01"}, TODAY)


@settings(max_examples=400)
@given(
    bounds=st.dictionaries(
        st.sampled_from(["created_after", "created_before"]), calendar_edge_times(), min_size=1
    ),
    extra=st.sampled_from([{}, {"status": "Failed"}, {"tuning_job_arn": ARN}]),
)
def test_times_at_the_edges_of_the_calendar_parse_or_are_refused_as_invalid(
    bounds: dict[str, str], extra: dict[str, str]
) -> None:
    # Given a window within days of 0001-01-01 or 9999-12-31 (offsets may leave the calendar)
    # When it is parsed for either route, Then it parses or is refused with InvalidQuery only
    try:
        stats = parse_stats_query(bounds, TODAY)
    except InvalidQuery as error:
        assert str(error)
    else:
        assert "0001-01-01" <= stats.first_day <= stats.last_day <= "9999-12-31"
    try:
        query = parse_job_query({**bounds, **extra})
    except InvalidQuery as error:
        assert str(error)
    else:
        assert query.window.after is None or query.window.after >= "0001-01-01T00:00:00.000Z"


@pytest.mark.parametrize("before", ["0001-01-01", "0001-01-05", "0001-01-29T12:00:00Z"])
def test_a_default_stats_window_that_would_start_before_the_calendar_is_refused(
    before: str,
) -> None:
    with pytest.raises(InvalidQuery, match="give created_after"):
        parse_stats_query({"created_before": before}, TODAY)


def test_the_first_default_stats_window_the_calendar_holds_starts_on_its_first_day() -> None:
    query = parse_stats_query({"created_before": "0001-01-30"}, TODAY)
    assert (query.first_day, query.last_day) == ("0001-01-01", "0001-01-30")


def test_attention_combines_with_account_and_region_only() -> None:
    assert parse_job_query({"attention": "true"}).attention is True
    assert parse_job_query({"attention": "false"}).attention is False
    scoped = parse_job_query(
        {"attention": "true", "account": "123456789012", "region": "eu-west-1"}
    )
    assert (scoped.attention, scoped.account, scoped.region) == (True, "123456789012", "eu-west-1")
    assert parse_job_query({"attention": "true", "limit": "10"}).attention is True
    for other in (
        {"status": "InProgress"},
        {"created_after": "2026-11-01"},
        {"name_prefix": "a"},
        {"next_token": "abc"},
    ):
        with pytest.raises(InvalidQuery, match="attention=true combines only with account"):
            parse_job_query({"attention": "true", **other})
    with pytest.raises(InvalidQuery, match="attention must be true or false"):
        parse_job_query({"attention": "yes"})
