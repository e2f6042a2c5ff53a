from jobtracker.aggregates import Contribution, counter_deltas, group_deltas, split_group


def test_a_new_job_adds_itself() -> None:
    after = Contribution("InProgress", 0, 0, managed_spot=False)
    assert counter_deltas(None, after) == {"count_InProgress": 1}


def test_a_status_change_moves_the_count_and_adds_the_seconds() -> None:
    before = Contribution("InProgress", 0, 0, managed_spot=True)
    after = Contribution("Completed", 300, 900, managed_spot=True)
    assert counter_deltas(before, after) == {
        "count_InProgress": -1,
        "count_Completed": 1,
        "billable_seconds": 300,
        "training_seconds": 900,
        "spot_billable_seconds": 300,
        "spot_training_seconds": 900,
    }


def test_the_same_contribution_changes_nothing() -> None:
    same = Contribution("Failed", 10, 10, managed_spot=False)
    assert counter_deltas(same, same) == {}


def test_an_ended_jobs_cost_joins_its_groups() -> None:
    before = Contribution("InProgress", 0, 0, False, groups=("region=us-east-1", "tag:team=nlp"))
    after = Contribution("Completed", 600, 600, False, cost_micros=250_000, groups=before.groups)
    assert group_deltas(before, after) == {
        group: {
            "count_InProgress": -1,
            "count_Completed": 1,
            "billable_seconds": 600,
            "training_seconds": 600,
            "cost_micros": 250_000,
        }
        for group in before.groups
    }


def test_a_job_that_changes_group_leaves_the_old_one() -> None:
    # the job's tag arrived after its creation: from the untagged group to its team's
    before = Contribution("InProgress", 0, 0, False, groups=("tag:team",))
    after = Contribution("InProgress", 0, 0, False, groups=("tag:team=vision",))
    assert group_deltas(before, after) == {
        "tag:team": {"count_InProgress": -1},
        "tag:team=vision": {"count_InProgress": 1},
    }


def test_an_unpriced_job_is_counted_apart() -> None:
    after = Contribution("Completed", 60, 60, False, unpriced=True)
    assert counter_deltas(None, after)["unpriced_jobs"] == 1
    assert "cost_micros" not in counter_deltas(None, after)


def test_a_group_is_its_dimension_and_value() -> None:
    assert split_group("tag:team=a=b") == ("tag:team", "a=b")
    assert split_group("tag:team") == ("tag:team", None)
