"""Golden cases of a job's cost, each figure worked out by hand in its comment."""

from typing import Any

import pytest
from jobtracker.cost import PriceBook, cluster_of, cost_of, cost_so_far
from jobtracker.record import normalise_training_job
from jobtracker.timestamps import to_epoch_ms

# Published us-east-1 on-demand training prices (USD per instance-hour).
BOOK = PriceBook(
    {
        "us-east-1/ml.m5.xlarge": 0.23,
        "us-east-1/ml.m5.2xlarge": 0.461,
        "us-east-1/ml.c5.4xlarge": 0.816,
        "us-east-1/ml.p3.2xlarge": 3.825,
        "us-east-1/ml.g5.12xlarge": 7.09,
        "us-east-1/ml.p4d.24xlarge": 37.688,
    },
    "AWS Price List API",
    "2026-12-01",
)
LIST = "AWS Price List API, 2026-12-01"
NOW = to_epoch_ms("2026-12-06T10:30:00Z")


def job(
    resources: dict[str, Any],
    status: str = "Completed",
    region: str = "us-east-1",
    **attributes: Any,
) -> dict[str, Any]:
    """The normalised record of a job with this ResourceConfig and these attributes."""
    detail = {
        "TrainingJobName": "priced",
        "TrainingJobStatus": status,
        "CreationTime": "2026-12-06T09:55:00Z",
        "LastModifiedTime": "2026-12-06T10:20:00Z",
        "ResourceConfig": resources,
        **attributes,
    }
    return normalise_training_job(detail, ("123456789012", region)).record


def test_on_demand_is_billable_hours_times_the_price() -> None:
    # 5,400 s = 1.5 h x 1 x $3.825 = $5.7375
    record = job({"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1}, BillableTimeInSeconds=5400)
    cost = cost_of(record, BOOK, NOW)
    assert cost.cost_usd == 5.7375
    assert cost.cost_is_estimate is False
    assert cost.spot_savings_usd is None and cost.warm_pool_cost_usd is None
    assert cost.price_usd_per_hour == {"ml.p3.2xlarge": 3.825}
    assert cost.price_source == LIST
    assert cost.micros == 5_737_500


def test_managed_spot_bills_its_discounted_seconds_and_shows_the_saving() -> None:
    # billable 1,200 s = 1/3 h x $3.825 = $1.275; unbilled 3,600 - 1,200 = 2,400 s
    # = 2/3 h x $3.825 = $2.55 saved
    record = job(
        {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1},
        EnableManagedSpotTraining=True,
        TrainingTimeInSeconds=3600,
        BillableTimeInSeconds=1200,
    )
    cost = cost_of(record, BOOK, NOW)
    assert cost.cost_usd == 1.275
    assert cost.spot_savings_usd == 2.55


def test_every_instance_of_the_cluster_is_billed() -> None:
    # 4 x $7.09 = $28.36 an hour; 900 s = 0.25 h -> $7.09
    record = job({"InstanceType": "ml.g5.12xlarge", "InstanceCount": 4}, BillableTimeInSeconds=900)
    cost = cost_of(record, BOOK, NOW)
    assert cost.cost_usd == 7.09
    assert cost.cost_usd_per_hour == 28.36


def test_a_heterogeneous_cluster_sums_its_groups() -> None:
    # 2 x $37.688 + 4 x $0.816 = $75.376 + $3.264 = $78.64 an hour; 1,800 s -> $39.32
    record = job(
        {
            "InstanceGroups": [
                {"InstanceGroupName": "gpu", "InstanceType": "ml.p4d.24xlarge", "InstanceCount": 2},
                {"InstanceGroupName": "data", "InstanceType": "ml.c5.4xlarge", "InstanceCount": 4},
            ],
            "VolumeSizeInGB": 100,
        },
        BillableTimeInSeconds=1800,
    )
    cost = cost_of(record, BOOK, NOW)
    assert cluster_of(record) == [("ml.c5.4xlarge", 4), ("ml.p4d.24xlarge", 2)]
    assert cost.cost_usd == 39.32
    assert cost.price_usd_per_hour == {"ml.p4d.24xlarge": 37.688, "ml.c5.4xlarge": 0.816}


def test_a_warm_pool_bills_its_retained_time_too() -> None:
    # 2 x $0.23 = $0.46 an hour; training 3,600 s -> $0.46, warm pool 1,800 s -> $0.23;
    # the job's cost includes both: $0.69
    record = job(
        {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2, "KeepAlivePeriodInSeconds": 1800},
        BillableTimeInSeconds=3600,
        WarmPoolStatus={"Status": "Terminated", "ResourceRetainedBillableTimeInSeconds": 1800},
    )
    cost = cost_of(record, BOOK, NOW)
    assert cost.warm_pool_cost_usd == 0.23
    assert cost.cost_usd == 0.69


def test_a_running_job_costs_what_it_has_run_so_far_as_an_estimate() -> None:
    # training since 10:00, now 10:30: 0.5 h x $0.461 = $0.2305
    record = job(
        {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1},
        status="InProgress",
        TrainingStartTime="2026-12-06T10:00:00Z",
    )
    cost = cost_of(record, BOOK, NOW)
    assert cost.cost_usd == 0.2305
    assert cost.cost_is_estimate is True


def test_a_job_not_training_yet_has_cost_nothing_so_far() -> None:
    record = job({"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1}, status="InProgress")
    cost = cost_of(record, BOOK, NOW)
    assert (cost.cost_usd, cost.cost_is_estimate) == (0.0, True)


def test_a_listing_extrapolates_a_running_job_from_its_rate() -> None:
    # the summary's rate $0.461 an hour since 10:00; at 10:30 -> $0.2305
    summary = {
        "status": "InProgress",
        "cost_usd": 0.0,
        "cost_usd_per_hour": 0.461,
        "training_start_time": "2026-12-06T10:00:00.000Z",
    }
    assert cost_so_far(summary, NOW) == 0.2305
    assert cost_so_far({**summary, "status": "Completed", "cost_usd": 1.5}, NOW) == 1.5


@pytest.mark.parametrize(
    ("resources", "region", "reason"),
    [
        (
            {"InstanceType": "ml.zz.9xlarge", "InstanceCount": 1},
            "us-east-1",
            "no price for ml.zz.9xlarge in us-east-1",
        ),
        (
            {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
            "ap-south-2",
            "no price for ml.m5.xlarge in ap-south-2",
        ),
        ({"VolumeSizeInGB": 30}, "us-east-1", "names no instance type"),
    ],
)
def test_an_unknown_price_gives_no_figure_and_a_reason(
    resources: dict[str, Any], region: str, reason: str
) -> None:
    cost = cost_of(job(resources, region=region, BillableTimeInSeconds=60), BOOK, NOW)
    assert cost.cost_usd is None
    assert cost.cost_reason is not None and reason in cost.cost_reason
    assert cost.micros == 0


def test_an_ended_job_without_its_billable_time_gives_no_figure() -> None:
    cost = cost_of(job({"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}), BOOK, NOW)
    assert cost.cost_usd is None
    assert cost.cost_reason is not None and "billable time" in cost.cost_reason


def test_an_override_replaces_the_list_price_and_says_so() -> None:
    # the team pays $2.50 an hour for ml.p3.2xlarge anywhere; 3,600 s -> $2.50
    book = BOOK.with_terms({"ml.p3.2xlarge": 2.5}, 0)
    record = job({"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1}, BillableTimeInSeconds=3600)
    cost = cost_of(record, book, NOW)
    assert cost.cost_usd == 2.5
    assert cost.price_source == "override ml.p3.2xlarge (price_overrides)"


def test_a_regional_override_wins_over_one_for_every_region() -> None:
    book = BOOK.with_terms({"ml.p3.2xlarge": 2.5, "us-east-1/ml.p3.2xlarge": 3.0}, 0)
    price = book.price("us-east-1", "ml.p3.2xlarge")
    assert price is not None and price.usd_per_hour == 3.0


def test_a_discount_lowers_list_prices_but_not_overrides() -> None:
    # 20 % off $3.825 = $3.06 an hour; 3,600 s -> $3.06. The override ml.m5.xlarge stays $0.20.
    book = BOOK.with_terms({"ml.m5.xlarge": 0.2}, 20)
    record = job({"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1}, BillableTimeInSeconds=3600)
    cost = cost_of(record, book, NOW)
    assert cost.cost_usd == 3.06
    assert cost.price_source == f"{LIST}, less 20% discount"
    price = book.price("us-east-1", "ml.m5.xlarge")
    assert price is not None and price.usd_per_hour == 0.2


def test_a_price_book_survives_its_cached_form() -> None:
    assert PriceBook.from_json(BOOK.to_json()) == BOOK


def test_nonsense_seconds_give_no_figure() -> None:
    record = job(
        {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}, BillableTimeInSeconds=float("inf")
    )
    assert cost_of(record, BOOK, NOW).cost_usd is None
