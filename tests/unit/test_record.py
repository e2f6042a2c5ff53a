import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from jobtracker.casing import snake_case
from jobtracker.errors import MalformedEvent
from jobtracker.record import normalise_training_job, snapshot_of_record

from synthetic.events import (
    FULL_TRAINING_JOB,
    TagForm,
    TimeForm,
    describe_response,
    lifecycle,
    with_time_form,
)

# The "SageMaker Training Job State Change" sample of the SageMaker developer guide.
SAMPLE = Path(__file__).parents[1] / "fixtures" / "training-job-completed.docs-sample.json"


def _published_sample() -> dict[str, Any]:
    return dict(json.loads(SAMPLE.read_text())["detail"])


def test_the_published_sample_normalises() -> None:
    # The sample's ARN names another job (kmeans-1) than its TrainingJobName: an event's
    # account and region come from its envelope, as ingest passes them.
    event = json.loads(SAMPLE.read_text())
    snapshot = normalise_training_job(event["detail"], (event["account"], event["region"]))
    assert (snapshot.account, snapshot.region) == (event["account"], event["region"])
    assert snapshot.status == "Completed"
    assert snapshot.record["resource_config"]["volume_size_in_gb"] == 20
    assert snapshot.record["creation_time"].endswith("Z")
    assert snapshot.record["tags"] == []


def test_every_training_job_attribute_is_kept_with_its_snake_case_name() -> None:
    record = normalise_training_job(FULL_TRAINING_JOB).record
    assert set(record) == {snake_case(name) for name in FULL_TRAINING_JOB} | {"account", "region"}
    assert record["auto_ml_job_arn"].endswith("automl-job/auto-1")
    assert record["tensor_board_output_config"] == {
        "s3_output_path": "s3://tb/",
        "local_path": "/opt/ml/tb",
    }
    assert record["final_metric_data_list"][0]["timestamp"] == "2025-11-24T16:00:09.000Z"
    assert record["vpc_config"]["security_group_ids"] == ["sg-1"]


def test_attributes_sagemaker_adds_later_are_kept_not_dropped() -> None:
    detail = copy.deepcopy(FULL_TRAINING_JOB)
    detail["WarmPoolStatus"] = {"Status": "Available", "ResourceRetainedBillableTimeInSeconds": 60}
    detail["InfraCheckConfig"] = {"EnableInfraCheck": True}
    record = normalise_training_job(detail).record
    assert record["warm_pool_status"] == {
        "status": "Available",
        "resource_retained_billable_time_in_seconds": 60,
    }
    assert record["infra_check_config"] == {"enable_infra_check": True}


def test_user_maps_keep_their_keys_verbatim() -> None:
    record = normalise_training_job(FULL_TRAINING_JOB).record
    assert record["hyper_parameters"] == {"epochs": "3"}
    assert record["debug_hook_config"]["hook_parameters"] == {"save_interval": "100"}
    assert record["debug_rule_configurations"][0]["rule_parameters"] == {
        "rule_to_invoke": "LossNotDecreasing"
    }
    detail = lifecycle("verbatim", "Completed")[-1]
    record = normalise_training_job(detail).record
    assert record["hyper_parameters"]["Batch-Size"] == "64"
    assert record["environment"] == {"NCCL_DEBUG": "***"}  # names only: jobtracker.redaction


@pytest.mark.parametrize("form", list(TagForm))
def test_tags_become_key_value_pairs_whatever_form_came_in(form: TagForm) -> None:
    detail = lifecycle(
        "tagged", "Completed", tags={"Team": "Vision", "cost-center": "42"}, tag_form=form
    )[-1]
    assert normalise_training_job(detail).record["tags"] == [
        {"key": "Team", "value": "Vision"},
        {"key": "cost-center", "value": "42"},
    ]


@pytest.mark.parametrize("form", list(TimeForm))
def test_every_time_form_gives_the_same_record(form: TimeForm) -> None:
    detail = lifecycle("timed", "Failed")[-1]
    reference = normalise_training_job(detail)
    converted = normalise_training_job(with_time_form(detail, form))
    assert converted.record == reference.record
    assert converted.order_key == reference.order_key


def test_transitions_are_ordered_and_missing_end_times_filled() -> None:
    detail = lifecycle("history", "Completed", with_end_times=False)[-1]
    detail["SecondaryStatusTransitions"].reverse()
    transitions = normalise_training_job(detail).record["secondary_status_transitions"]
    starts = [t["start_time"] for t in transitions]
    assert starts == sorted(starts)
    for current, following in itertools.pairwise(transitions):
        assert current["end_time"] == following["start_time"]
    assert transitions[-1]["end_time"] is None
    assert transitions[0]["status"] == "Starting"


def test_a_given_end_time_is_kept() -> None:
    record = normalise_training_job(FULL_TRAINING_JOB).record
    assert record["secondary_status_transitions"][0]["end_time"] == "2025-11-24T16:00:02.000Z"
    assert record["secondary_status_transitions"][1]["end_time"] is None


def test_describe_training_job_response_is_accepted_as_is() -> None:
    event = lifecycle("described", "Completed", spot=True)[-1]
    snapshot = normalise_training_job(describe_response(event))
    record = snapshot.record
    assert "response_metadata" not in record
    assert record["billable_time_in_seconds"] < record["training_time_in_seconds"]
    assert record["model_artifacts"]["s3_model_artifacts"].endswith("model.tar.gz")
    assert record["creation_time"] == normalise_training_job(event).record["creation_time"]


def test_failure_reason_and_end_time_appear_only_when_present() -> None:
    running = normalise_training_job(lifecycle("partial", None)[-1]).record
    failed = normalise_training_job(lifecycle("partial", "Failed")[-1]).record
    assert "failure_reason" not in running and "training_end_time" not in running
    assert failed["failure_reason"].startswith("AlgorithmError")
    assert failed["training_end_time"].endswith("Z")


def test_sagemaker_maxima_normalise_intact() -> None:
    detail = lifecycle("maxima", "Completed")[-1]
    detail["HyperParameters"] = {f"param_{i:03d}": "x" * 2500 for i in range(100)}
    detail["InputDataConfig"] = [
        {"ChannelName": f"channel-{i}", "DataSource": {"S3DataSource": {"S3Uri": f"s3://b/{i}/"}}}
        for i in range(20)
    ]
    detail["Tags"] = [{"Key": f"k{i}", "Value": "v" * 256} for i in range(50)]
    record = normalise_training_job(detail).record
    assert len(record["hyper_parameters"]) == 100
    assert all(len(v) == 2500 for v in record["hyper_parameters"].values())
    assert len(record["input_data_config"]) == 20
    assert len(record["tags"]) == 50


def _broken(change: dict[str, Any]) -> dict[str, Any]:
    detail = lifecycle("broken", "Completed")[-1]
    for key, value in change.items():
        if value is _DELETE:
            detail.pop(key)
        else:
            detail[key] = value
    return detail


_DELETE = object()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"TrainingJobName": _DELETE}, "TrainingJobName"),
        ({"TrainingJobName": ""}, "TrainingJobName"),
        ({"TrainingJobName": 42}, "TrainingJobName"),
        ({"TrainingJobName": "has spaces"}, "TrainingJobName"),
        ({"TrainingJobStatus": "Exploded"}, "TrainingJobStatus"),
        ({"TrainingJobStatus": _DELETE}, "TrainingJobStatus"),
        ({"LastModifiedTime": _DELETE}, "LastModifiedTime"),
        ({"CreationTime": "not a time"}, "CreationTime"),
        ({"TrainingEndTime": "tomorrow"}, "TrainingEndTime"),
        ({"SecondaryStatus": 3}, "SecondaryStatus"),
        ({"SecondaryStatusTransitions": "Starting"}, "SecondaryStatusTransitions"),
        ({"SecondaryStatusTransitions": [{"Status": "Starting"}]}, "StartTime"),
        ({"SecondaryStatusTransitions": [7]}, "SecondaryStatusTransitions"),
        ({"Tags": "team=vision"}, "Tags"),
        ({"Tags": [{"Value": "no key"}]}, "Tags"),
        ({"HyperParameters": ["epochs"]}, "HyperParameters"),
    ],
)
def test_malformed_snapshots_are_rejected_with_a_reason(change: dict[str, Any], named: str) -> None:
    with pytest.raises(MalformedEvent, match=named):
        normalise_training_job(_broken(change))


def test_detail_that_is_not_an_object_is_malformed() -> None:
    with pytest.raises(MalformedEvent, match="detail"):
        normalise_training_job(["not", "a", "job"])  # type: ignore[arg-type]


def test_a_stored_record_gives_back_its_snapshot():
    # Given a normalised snapshot of a job in flight
    original = normalise_training_job(lifecycle("resnet-roundtrip", "Completed")[2])
    # When its record alone is turned back into a snapshot
    again = snapshot_of_record(original.record)
    # Then it is the same job in the same state, with the same history
    assert again.identity == original.identity
    assert (again.status, again.secondary_status) == (original.status, original.secondary_status)
    assert again.transitions == original.transitions
    assert (again.creation_ms, again.last_modified_ms) == (
        original.creation_ms,
        original.last_modified_ms,
    )
    assert again.order_key == original.order_key
