EVENT_PATTERN = {
    "source": ["aws.sagemaker"],
    "detail-type": ["SageMaker Training Job State Change"],
}
