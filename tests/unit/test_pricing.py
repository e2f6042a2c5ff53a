"""Pricing a snapshot before it is stored: its cost at its own time, and its groups."""

from jobtracker.cost import PriceBook
from jobtracker.price_cache import PriceCache
from jobtracker.pricing import SnapshotPricer, group_dimensions, spend_groups
from jobtracker.record import normalise_training_job

from synthetic.events import base_detail, describe_response, lifecycle

BOOK = PriceBook({"us-east-1/ml.g5.2xlarge": 1.515}, "test prices", "2026-12-01")


def test_a_running_snapshot_is_priced_at_its_own_last_modified_time() -> None:
    # Given a job training since its second snapshot (creation + 2 minutes), seen at its
    # last snapshot (creation + 5 minutes): 3 minutes = 0.05 h x $1.515 = $0.07575
    snapshots = lifecycle("priced-job", None)
    snapshot = normalise_training_job(snapshots[-1], ("123456789012", "us-east-1"))
    priced = SnapshotPricer(PriceCache(lambda: BOOK)).price(snapshot)
    assert priced.cost is not None
    assert (priced.cost.cost_usd, priced.cost.cost_is_estimate) == (0.07575, True)
    # And pricing it again, whenever, gives the same figure
    assert SnapshotPricer(PriceCache(lambda: BOOK)).price(snapshot).cost == priced.cost


def test_an_ended_job_is_priced_from_its_billable_time() -> None:
    described = describe_response(lifecycle("priced-job", "Completed")[-1])
    snapshot = normalise_training_job(described)
    priced = SnapshotPricer(PriceCache(lambda: BOOK)).price(snapshot)
    seconds = described["BillableTimeInSeconds"]
    assert priced.cost is not None
    assert priced.cost.cost_usd == round(1.515 * seconds / 3600, 6)


def test_a_job_belongs_to_one_group_of_each_dimension() -> None:
    detail = base_detail("grouped", tags={"team": "vision", "cost-center": "ml-42"})
    record = normalise_training_job(
        {**detail, "TrainingJobStatus": "InProgress", "LastModifiedTime": detail["CreationTime"]},
        ("123456789012", "us-east-1"),
    ).record
    assert spend_groups(record, ("team", "project")) == (
        "account=123456789012",
        "region=us-east-1",
        "instance_type=ml.g5.2xlarge",
        "tag:team=vision",
        "tag:project",
    )
    assert group_dimensions(("team",)) == ("account", "region", "instance_type", "tag:team")
