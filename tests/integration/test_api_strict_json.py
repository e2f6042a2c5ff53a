"""Every response of the API is strict JSON: no NaN or Infinity, whatever the events
carried, and whatever a record stored before they became null still holds."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import pytest
from jobtracker.pipeline import parse_state_change
from jobtracker.store.keys import JOB_SK, compress_record, job_pk

from synthetic.events import lifecycle, state_change_event
from tests.fixtures.seeded_api import SeededApi, seeded_api

NON_FINITE = {"Score": "NaN", "Loss": "Infinity", "Gain": "-Infinity", "Huge": "1e400"}


def event_with_non_finite_numbers(name: str) -> str:
    detail = dict(lifecycle(name, "Completed")[-1])
    detail["FinalMetricDataList"] = [{"MetricName": "loss", "Value": 0.5}]
    body = json.dumps(state_change_event(detail))
    for key, literal in NON_FINITE.items():
        body = body.replace('"detail": {', f'"detail": {{"{key}": {literal}, ', 1)
    return body.replace('"Value": 0.5', '"Value": NaN')


@pytest.fixture(scope="module")
def api() -> Iterator[SeededApi]:
    with seeded_api(count=5, seed=3, span_days=10) as seeded:
        yield seeded


def routes(name: str) -> list[tuple[str, dict[str, str]]]:
    return [
        (f"/jobs/{name}", {}),
        (f"/jobs/{name}/transitions", {}),
        ("/jobs", {"name_prefix": name}),
        ("/jobs", {}),
        ("/jobs", {"status": "Completed"}),
        ("/stats", {"created_after": "2000-01-01", "created_before": "2100-01-01"}),
        ("/openapi.json", {}),
    ]


def test_non_finite_numbers_of_an_event_are_served_as_null(api: SeededApi) -> None:
    # Given an event with NaN and Infinity in known, unknown and nested attributes
    snapshot = parse_state_change(event_with_non_finite_numbers("nan-event")).snapshot
    api.repository.store_snapshot(snapshot)
    # When every route is read, Then each body parses strictly (api.get refuses NaN)
    for path, params in routes("nan-event"):
        response = api.get(path, params)
        assert response.status == 200, (path, response.body)
    record = api.get("/jobs/nan-event").body
    assert [record[key.lower()] for key in NON_FINITE] == [None] * 4
    assert record["final_metric_data_list"] == [{"metric_name": "loss", "value": None}]


def test_a_record_stored_before_the_rule_is_still_served_as_strict_json(api: SeededApi) -> None:
    # Given a job whose stored record holds NaN (written by an older version)
    snapshot = parse_state_change(json.dumps(state_change_event(lifecycle("legacy", None)[-1])))
    api.repository.store_snapshot(snapshot.snapshot)
    legacy = {**snapshot.snapshot.record, "score": math.nan, "nested": [{"x": -math.inf}]}
    job = api.repository.models.job
    item = job.get(job_pk(snapshot.snapshot.identity), JOB_SK)
    item.update(actions=[job.record.set(compress_record(legacy))])
    # When it is read, Then the body is strict JSON with null in their place
    for path, params in routes("legacy"):
        assert api.get(path, params).status == 200, path
    record = api.get("/jobs/legacy").body
    assert (record["score"], record["nested"]) == (None, [{"x": None}])
