"""The reconciler alerts through the ingest function's own alerter: once per job and kind."""

from __future__ import annotations

from collections import Counter

from jobtracker.reconcile import DAY_MS, HOUR_MS, Reconciler, epoch_ms

from synthetic.events import HOME, event_body
from tests.fixtures.ingest_stack import IngestStack
from tests.fixtures.sagemaker import CountdownContext, create_job, event_detail_of, sagemaker


def alerts_by_job(stack: IngestStack) -> Counter[tuple[str, str]]:
    return Counter(
        (n["Message"]["training_job_name"], n["Message"]["alert_kind"])
        for n in stack.inbox.receive_all()
    )


def test_a_failure_whose_events_were_lost_alerts_once(moto_ingest: IngestStack) -> None:
    # Given failures only SageMaker knows: one 3 hours ago, one 3 days ago
    client = sagemaker()
    now = epoch_ms()
    create_job(client, "lost-failure", created_ms=now - 3 * HOUR_MS, status="Failed")
    create_job(client, "old-failure", created_ms=now - 3 * DAY_MS, status="Failed")
    pipeline = moto_ingest.module.PIPELINE
    assert pipeline.alerter is not None
    reconciler = Reconciler(connect=lambda account, region: client, pipeline=pipeline, place=HOME)
    # When the reconciler runs, twice
    for _ in range(2):
        reconciler.run(CountdownContext(remaining_ms=900_000).get_remaining_time_in_millis)
    # And the lost failure's event turns up after all
    late = event_detail_of(client.describe_training_job(TrainingJobName="lost-failure"))
    assert moto_ingest.deliver([event_body(late)]) == []
    # Then the recent failure alerted once, through the shared alerter; the old one not at all
    assert alerts_by_job(moto_ingest) == Counter({("lost-failure", "Failed"): 1})
