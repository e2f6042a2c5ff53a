"""`make local`'s settings: the demo shows the reconciler; bad values are clear errors."""

import pytest

from local.__main__ import DEMO_JOBS, FULL_DEMO_JOBS, Settings


def test_the_demo_runs_the_reconciler_by_default() -> None:
    assert Settings.from_env({}).reconcile_interval == 60
    assert Settings.from_env({"DEMO": "0"}).reconcile_interval == 0
    assert Settings.from_env({"RECONCILE_INTERVAL": "0"}).reconcile_interval == 0
    assert Settings.from_env({"DEMO": "0", "RECONCILE_INTERVAL": "5"}).reconcile_interval == 5


@pytest.mark.parametrize("raw", ["soon", "-1", "nan"])
def test_a_bad_interval_is_a_clear_error(raw: str) -> None:
    with pytest.raises(SystemExit, match="RECONCILE_INTERVAL"):
        Settings.from_env({"RECONCILE_INTERVAL": raw})


def test_the_default_demo_is_small_and_a_larger_one_is_on_request() -> None:
    assert Settings.from_env({}).demo_jobs == DEMO_JOBS
    assert Settings.from_env({"DEMO": "full"}).demo_jobs == FULL_DEMO_JOBS > DEMO_JOBS
    assert Settings.from_env({"DEMO": "FULL"}).demo
    assert Settings.from_env({"DEMO_JOBS": "500"}).demo_jobs == 500
    assert Settings.from_env({"DEMO": "full", "DEMO_JOBS": "90"}).demo_jobs == 90


@pytest.mark.parametrize("raw", ["many", "0", "-3"])
def test_a_bad_demo_size_is_a_clear_error(raw: str) -> None:
    with pytest.raises(SystemExit, match="DEMO_JOBS"):
        Settings.from_env({"DEMO_JOBS": raw})
