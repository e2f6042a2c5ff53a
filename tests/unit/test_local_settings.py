"""`make local`'s settings: the demo shows the reconciler; bad values are clear errors."""

import pytest

from local.__main__ import Settings


def test_the_demo_runs_the_reconciler_by_default() -> None:
    assert Settings.from_env({}).reconcile_interval == 60
    assert Settings.from_env({"DEMO": "0"}).reconcile_interval == 0
    assert Settings.from_env({"RECONCILE_INTERVAL": "0"}).reconcile_interval == 0
    assert Settings.from_env({"DEMO": "0", "RECONCILE_INTERVAL": "5"}).reconcile_interval == 5


@pytest.mark.parametrize("raw", ["soon", "-1", "nan"])
def test_a_bad_interval_is_a_clear_error(raw: str) -> None:
    with pytest.raises(SystemExit, match="RECONCILE_INTERVAL"):
        Settings.from_env({"RECONCILE_INTERVAL": raw})
