import pytest
from jobtracker.casing import snake_case


@pytest.mark.parametrize(
    ("sdk_name", "record_key"),
    [
        ("TrainingJobName", "training_job_name"),
        ("VolumeSizeInGB", "volume_size_in_gb"),
        ("S3Uri", "s3_uri"),
        ("S3DataDistributionType", "s3_data_distribution_type"),
        ("AutoMLJobArn", "auto_ml_job_arn"),
        ("TensorBoardOutputConfig", "tensor_board_output_config"),
        ("EnableInterContainerTrafficEncryption", "enable_inter_container_traffic_encryption"),
        ("KmsKeyId", "kms_key_id"),
        ("VpcConfig", "vpc_config"),
        ("MaxRuntimeInSeconds", "max_runtime_in_seconds"),
        ("S3ModelArtifacts", "s3_model_artifacts"),
        ("FinalMetricDataList", "final_metric_data_list"),
    ],
)
def test_sdk_names_become_the_records_snake_case(sdk_name: str, record_key: str) -> None:
    assert snake_case(sdk_name) == record_key
