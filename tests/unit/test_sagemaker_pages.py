"""ListTrainingJobs and ListTags page through botocore's paginators: every page is asked
for, an empty page is not the end, and a page's failure is a SageMaker error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from jobtracker.record import JobIdentity, Place
from jobtracker.sagemaker import (
    CLIENT_CONFIG,
    SageMakerThrottled,
    SageMakerUnavailable,
    _list_tags,
    list_changed_jobs,
)

HOME = Place("123456789012", "us-east-1")
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/a"


def listed(name: str, day: int) -> dict[str, Any]:
    created = datetime(2026, 11, day, tzinfo=UTC)
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "CreationTime": created,
        "LastModifiedTime": created,
        "TrainingJobStatus": "Completed",
    }


def request(token: str | None = None) -> dict[str, Any]:
    asked: dict[str, Any] = {
        "LastModifiedTimeAfter": SINCE,
        "SortBy": "CreationTime",
        "SortOrder": "Ascending",
        "MaxResults": 2,
    }
    return {**asked, "NextToken": token} if token else asked


@pytest.fixture
def client() -> Any:
    return boto3.client("sagemaker", region_name=HOME.region, config=CLIENT_CONFIG)


def test_every_page_is_listed_and_an_empty_one_is_not_the_end(client: Any) -> None:
    since_ms = int(SINCE.timestamp() * 1000)
    with Stubber(client) as stub:
        page = {"TrainingJobSummaries": [listed("a", 2), listed("b", 3)], "NextToken": "t1"}
        stub.add_response("list_training_jobs", page, request())
        stub.add_response(
            "list_training_jobs", {"TrainingJobSummaries": [], "NextToken": "t2"}, request("t1")
        )
        stub.add_response(
            "list_training_jobs", {"TrainingJobSummaries": [listed("c", 4)]}, request("t2")
        )
        pages = list(list_changed_jobs(client, HOME, since_ms, None, page_size=2))
        stub.assert_no_pending_responses()
    assert [[job.job for job in page] for page in pages] == [
        [JobIdentity(HOME.account, HOME.region, "a"), JobIdentity(HOME.account, HOME.region, "b")],
        [],
        [JobIdentity(HOME.account, HOME.region, "c")],
    ]


def test_a_failing_page_is_a_sagemaker_error_after_the_pages_before_it(client: Any) -> None:
    since_ms = int(SINCE.timestamp() * 1000)
    with Stubber(client) as stub:
        page = {"TrainingJobSummaries": [listed("a", 2)], "NextToken": "t1"}
        stub.add_response("list_training_jobs", page, request())
        stub.add_client_error("list_training_jobs", service_error_code="ThrottlingException")
        pages = list_changed_jobs(client, HOME, since_ms, None, page_size=2)
        assert [job.name for job in next(pages)] == ["a"]
        with pytest.raises(SageMakerThrottled, match="ListTrainingJobs: ThrottlingException"):
            next(pages)


def test_tags_of_every_page_are_gathered(client: Any) -> None:
    with Stubber(client) as stub:
        first = {"Tags": [{"Key": "team", "Value": "vision"}], "NextToken": "t1"}
        stub.add_response("list_tags", first, {"ResourceArn": ARN, "MaxResults": 100})
        stub.add_response(
            "list_tags",
            {"Tags": [{"Key": "owner", "Value": "ml-platform"}]},
            {"ResourceArn": ARN, "MaxResults": 100, "NextToken": "t1"},
        )
        tags = _list_tags(client, ARN)
        stub.assert_no_pending_responses()
    assert tags == [{"Key": "team", "Value": "vision"}, {"Key": "owner", "Value": "ml-platform"}]


def test_denied_tags_are_unavailable(client: Any) -> None:
    with Stubber(client) as stub:
        stub.add_client_error("list_tags", service_error_code="AccessDeniedException")
        with pytest.raises(SageMakerUnavailable, match=r"ListTags .*AccessDeniedException"):
            _list_tags(client, ARN)
