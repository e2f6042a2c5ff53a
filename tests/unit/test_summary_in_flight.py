"""What the listings' summary carries for the watch: only for jobs in flight."""

from __future__ import annotations

import json

from jobtracker.record import normalise_training_job
from jobtracker.store.keys import IN_FLIGHT_FIELDS
from jobtracker.store.repository import job_attributes
from jobtracker.timestamps import iso_from_ms

from synthetic.events import BASE_MS, lifecycle


def summary_of(detail):
    return json.loads(job_attributes(normalise_training_job(detail))["summary"])


def test_a_job_in_flight_carries_its_status_start_and_limits():
    # Given a spot job downloading (its fourth transition, four minutes after creation)
    detail = lifecycle("spot-a", None, spot=True)[3]
    # Then its summary says since when, and SageMaker's two limits
    summary = summary_of(detail)
    assert summary["secondary_status"] == "Downloading"
    assert summary["secondary_status_since"] == iso_from_ms(BASE_MS + 4 * 60_000)
    assert summary["max_runtime_in_seconds"] == 86400
    assert summary["max_wait_time_in_seconds"] == 172800


def test_an_on_demand_job_has_no_wait_limit_and_an_ended_job_none_of_them():
    on_demand = summary_of(lifecycle("od-a", None)[0])
    assert "max_wait_time_in_seconds" not in on_demand
    assert on_demand["max_runtime_in_seconds"] == 86400
    ended = summary_of(lifecycle("od-b", "Completed")[-1])
    assert not set(IN_FLIGHT_FIELDS) & set(ended)


def test_the_spot_lifecycle_restarts_after_each_interruption():
    snapshots = lifecycle("spot-b", "Completed", spot=True, interruptions=2)
    statuses = [s["SecondaryStatus"] for s in snapshots]
    assert statuses.count("Interrupted") == 2
    assert statuses[-1] == "Completed"
