"""The events jobtracker tracks: one definition for the CDK stack and the local stack."""

EVENT_PATTERN: dict[str, list[str]] = {
    "source": ["aws.sagemaker"],
    "detail-type": ["SageMaker Training Job State Change"],
}
