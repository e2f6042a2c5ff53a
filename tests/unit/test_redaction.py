"""What the record keeps of Environment and the parameter maps: names always, secret
values never (unless the stack is told to keep Environment's), with the order key, the
digest and the alert computed on the record as stored."""

from __future__ import annotations

import json

import pytest
from jobtracker.alert_kinds import AlertKind
from jobtracker.alerts.message import build_alert
from jobtracker.config import ConfigError, IngestConfig, ReconcileConfig
from jobtracker.enrich import SageMakerEnricher
from jobtracker.pipeline import parse_state_change
from jobtracker.record import normalise_training_job
from jobtracker.redaction import REDACTED, SECRET_KEY, Redaction
from jobtracker.sagemaker import describe_job

from synthetic.events import ACCOUNT, REGION, lifecycle, state_change_event

SECRET = "hunter2-s3cr3t"
ENVIRONMENT = {"WANDB_API_KEY": SECRET, "NCCL_DEBUG": "INFO", "HF_HOME": "/opt/hf"}
HYPERPARAMETERS = {
    "epochs": "10",
    "db_password": SECRET,
    "DB_PASSWD": SECRET,
    "client-secret": SECRET,
    "hf_token": SECRET,
    "OpenAI-API-Key": SECRET,
    "apikey": SECRET,
    "aws_access_key_id": SECRET,
    "AccessKey": SECRET,
    "google_credentials": SECRET,
    "learning_rate": "0.001",
}
KEPT = {"epochs", "learning_rate"}


def failed_job(name: str = "redacted", **extra: object) -> dict:
    detail = dict(lifecycle(name, "Failed")[-1])
    detail.update({"Environment": ENVIRONMENT, "HyperParameters": HYPERPARAMETERS, **extra})
    return detail


def test_environment_keeps_its_names_and_no_value_by_default() -> None:
    record = normalise_training_job(failed_job()).record
    assert record["environment"] == dict.fromkeys(ENVIRONMENT, REDACTED)
    assert SECRET not in json.dumps(record)


def test_environment_values_are_kept_when_the_stack_asks() -> None:
    keep = Redaction(keep_environment_values=True)
    assert normalise_training_job(failed_job(), redaction=keep).record["environment"] == ENVIRONMENT


@pytest.mark.parametrize("redaction", [Redaction(), Redaction(keep_environment_values=True)])
def test_hyperparameters_named_as_secrets_are_redacted_the_others_kept(
    redaction: Redaction,
) -> None:
    kept = normalise_training_job(failed_job(), redaction=redaction).record["hyper_parameters"]
    assert kept == {
        name: value if name in KEPT else REDACTED for name, value in HYPERPARAMETERS.items()
    }


def test_the_rule_applies_to_every_parameter_map_at_any_depth() -> None:
    detail = failed_job(
        DebugRuleConfigurations=[
            {"RuleConfigurationName": "r", "RuleParameters": {"slack_token": SECRET, "n": "1"}}
        ],
        DebugHookConfig={"HookParameters": {"Secret_Key": SECRET}},
    )
    record = normalise_training_job(detail).record
    assert record["debug_rule_configurations"][0]["rule_parameters"] == {
        "slack_token": REDACTED,
        "n": "1",
    }
    assert record["debug_hook_config"]["hook_parameters"] == {"Secret_Key": REDACTED}
    assert SECRET not in json.dumps(record)


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("PASSWORD", True),
        ("my_passwd_file", True),
        ("SecretArn", True),
        ("hf_token", True),
        ("githubToken", True),
        ("ACCESS_TOKEN", True),
        ("tokensecret", True),
        # Language model hyperparameters, not credentials.
        ("max_tokens", False),
        ("max_new_tokens", False),
        ("num_tokens_per_batch", False),
        ("tokenizer_name", False),
        ("Tokenization", False),
        ("api-key", True),
        ("api_key", True),
        ("ACCESS_KEY", True),
        ("credentials_path", True),
        ("epochs", False),
        ("keyword", False),
        ("access", False),
    ],
)
def test_the_secret_key_rule(key: str, secret: bool) -> None:
    assert (SECRET_KEY.search(key) is not None) is secret


def test_order_key_digest_and_alert_are_of_the_redacted_record() -> None:
    # Given two events of one job that differ only in a secret's value
    first = parse_state_change(json.dumps(state_change_event(failed_job()))).snapshot
    other = failed_job(Environment={**ENVIRONMENT, "WANDB_API_KEY": "other"})
    second = parse_state_change(json.dumps(state_change_event(other))).snapshot
    # Then they are one snapshot: same record, same digest, same order key
    assert first.record == second.record
    assert (first.digest, first.order_key) == (second.digest, second.order_key)
    # and the order key is the one of the record as it is stored
    assert first.order_key == normalise_training_job(failed_job()).order_key
    # and no alert carries the secret
    alert = build_alert(first, AlertKind.FAILED, "us-east-1")
    assert SECRET not in alert.sns_message() + alert.subject


def test_keeping_environment_values_changes_the_digest_not_the_version() -> None:
    redacted = normalise_training_job(failed_job())
    kept = normalise_training_job(failed_job(), redaction=Redaction(keep_environment_values=True))
    assert redacted.version == kept.version
    assert redacted.digest != kept.digest


ENV = {"TABLE_NAME": "jobs", "ALERT_KINDS": "", "HOME_ACCOUNT": ACCOUNT, "HOME_REGION": REGION}


@pytest.mark.parametrize(
    ("value", "keep"),
    [(None, False), ("", False), ("false", False), ("true", True), ("TRUE", True)],
)
def test_store_environment_values_is_read_by_both_writers(value: str | None, keep: bool) -> None:
    env = ENV if value is None else {**ENV, "STORE_ENVIRONMENT_VALUES": value}
    assert IngestConfig.from_env(env).redaction == Redaction(keep_environment_values=keep)
    assert ReconcileConfig.from_env(env).redaction == Redaction(keep_environment_values=keep)


def test_a_malformed_store_environment_values_stops_the_function() -> None:
    with pytest.raises(ConfigError, match="STORE_ENVIRONMENT_VALUES"):
        IngestConfig.from_env({**ENV, "STORE_ENVIRONMENT_VALUES": "yes"})


class DescribingClient:
    """DescribeTrainingJob answering with the failed job, secrets and all."""

    def __init__(self, account: str = ACCOUNT, region: str = REGION) -> None:
        self.place = (account, region)

    def describe_training_job(self, TrainingJobName: str) -> dict:
        return failed_job(TrainingJobName)


@pytest.mark.parametrize("keep", [False, True])
def test_described_snapshots_are_redacted_as_the_events_are(keep: bool) -> None:
    redaction = Redaction(keep_environment_values=keep)
    event = normalise_training_job(failed_job(), redaction=redaction)
    enricher = SageMakerEnricher(connect=DescribingClient, redaction=redaction)

    described = enricher.enrich(event)
    listed = describe_job(DescribingClient(), event.identity, [], redaction)

    for snapshot in (described, listed):
        assert snapshot.record["environment"] == event.record["environment"]
        assert snapshot.record["hyper_parameters"] == event.record["hyper_parameters"]
    assert (SECRET in json.dumps(described.record)) is keep
