"""What jobs cost, as the API serves it: on the record, in the listings, and in /stats,
in total and by group (docs/cost.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jobtracker.record import normalise_training_job

from tests.fixtures.seeded_api import SeededApi, recorded_dynamodb_calls, seeded_api
from tests.fixtures.training_jobs import SeededJob, training_job_detail

DAY_MS = 86_400_000
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
WINDOW = {"created_after": "2026-01-01", "created_before": "2026-01-31"}


def job(name: str, status: str, day: int, team: str | None, **resources: Any) -> SeededJob:
    detail = training_job_detail(name, status, START_MS + day * DAY_MS)
    detail["Tags"] = {} if team is None else {"team": team, "project": "demo"}
    detail["ResourceConfig"] = {
        "InstanceType": "ml.g5.2xlarge",
        "InstanceCount": 1,
        "VolumeSizeInGB": 50,
        **resources,
    }
    return SeededJob(normalise_training_job(detail))


# Each ended job bills 1,800 s (training_job_detail): at the bundled us-east-1 prices,
# ml.g5.2xlarge $1.515 an hour -> $0.7575; ml.p3.2xlarge x 2 -> 2 x $3.825 / 2 = $3.825.
JOBS = [
    job("vision-a", "Completed", 0, "vision"),
    job("vision-b", "Failed", 1, "vision", InstanceType="ml.p3.2xlarge", InstanceCount=2),
    job("nlp-a", "Completed", 1, "nlp"),
    job("untagged-a", "Stopped", 2, None),
    job("nlp-running", "InProgress", 2, "nlp"),
    job("unpriced-a", "Completed", 3, "nlp", InstanceType="ml.zz.9xlarge"),
]


@pytest.fixture(scope="module")
def api() -> Iterator[SeededApi]:
    with seeded_api(jobs=JOBS) as seeded:
        yield seeded


def test_a_job_record_says_what_it_cost_and_where_the_price_came_from(api: SeededApi) -> None:
    record = api.get("/jobs/vision-b").body
    assert record["cost_usd"] == 3.825
    assert record["cost_is_estimate"] is False
    assert record["price_usd_per_hour"] == {"ml.p3.2xlarge": 3.825}
    assert "bundled" in record["price_source"]
    unpriced = api.get("/jobs/unpriced-a").body
    assert unpriced["cost_usd"] is None
    assert "no price for ml.zz.9xlarge in us-east-1" in unpriced["cost_reason"]


def test_a_running_job_shows_its_cost_so_far(api: SeededApi) -> None:
    # Stored at its snapshot's time (1 s of training); served at the request's, days later.
    record = api.get("/jobs/nlp-running").body
    assert record["cost_is_estimate"] is True
    assert record["cost_usd"] > 100 * 0.000421  # far more than its one second at $1.515/h
    # Listed: as of its last change (1 s of training), with the rate to bring it up to now
    listed = {item["training_job_name"]: item for item in api.get("/jobs", WINDOW).body["items"]}
    assert listed["nlp-running"]["cost_usd_per_hour"] == 1.515
    assert listed["nlp-running"]["cost_usd"] == 0.000421


def test_the_listing_carries_each_jobs_cost(api: SeededApi) -> None:
    items = api.get("/jobs", WINDOW).body["items"]
    costs = {item["training_job_name"]: item["cost_usd"] for item in items}
    assert costs["vision-a"] == 0.7575
    assert costs["unpriced-a"] is None
    assert "cost_usd_per_hour" not in next(i for i in items if i["training_job_name"] == "nlp-a")


def test_stats_by_team_add_up_to_the_total(api: SeededApi) -> None:
    body = api.get("/stats", {**WINDOW, "group_by": "tag:team"}).body
    groups = {group["key"]: group for group in body["groups"]}
    # vision: $0.7575 + $3.825; nlp: $0.7575 (its running and unpriced jobs add none);
    # the untagged (Stopped) job: $0.7575
    assert groups["vision"]["cost_usd"] == 4.5825
    assert groups["nlp"]["cost_usd"] == 0.7575
    assert groups["nlp"]["jobs"] == 3 and groups["nlp"]["unpriced_jobs"] == 1
    assert groups[None]["jobs"] == 1
    # highest cost first; the untagged job costs nlp's $0.7575 too, and has fewer jobs
    assert [group["key"] for group in body["groups"]] == ["vision", "nlp", None]
    assert body["cost_usd"] == pytest.approx(sum(g["cost_usd"] for g in body["groups"]))
    assert body["cost_usd"] == pytest.approx(4.5825 + 0.7575 + 0.7575)
    total = api.get("/stats", WINDOW).body
    assert total["cost_usd"] == pytest.approx(body["cost_usd"])
    assert total["counts"] == body["counts"]
    assert total["days"] == body["days"]


@pytest.mark.parametrize("dimension", ["account", "region", "instance_type", "tag:project"])
def test_every_dimension_adds_up_to_the_same_total(api: SeededApi, dimension: str) -> None:
    body = api.get("/stats", {**WINDOW, "group_by": dimension}).body
    assert sum(group["jobs"] for group in body["groups"]) == len(JOBS)
    assert sum(g["cost_usd"] for g in body["groups"]) == pytest.approx(body["cost_usd"])


def test_grouped_stats_read_one_query(api: SeededApi) -> None:
    with recorded_dynamodb_calls() as dynamodb:
        api.get("/stats", {**WINDOW, "group_by": "instance_type"})
    assert [op for op, _, _ in dynamodb.calls] == ["Query"]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"group_by": "tag:owner"}, "is not one of"),
        ({"group_by": "team"}, "is not one of"),
        ({"group_by": "region", "account": "123456789012"}, "does not combine with account"),
    ],
)
def test_a_group_by_no_group_answers_is_a_400(
    api: SeededApi, params: dict[str, str], says: str
) -> None:
    response = api.get("/stats", params)
    assert response.status == 400
    assert says in response.body["message"]
