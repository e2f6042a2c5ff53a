from jobtracker.aggregates import Contribution, counter_deltas


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
