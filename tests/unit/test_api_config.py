"""The api function's configuration: a missing or doubtful key source is a clear error."""

from __future__ import annotations

import pytest
from jobtracker.config import ApiConfig, ConfigError

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:page-key-AbCdEf"
HOME = {"HOME_ACCOUNT": "123456789012", "HOME_REGION": "us-east-1"}


def test_token_key_from_the_environment() -> None:
    config = ApiConfig.from_env({**HOME, "TABLE_NAME": "jobs", "TOKEN_KEY": "k" * 32})
    assert (config.home.account, config.home.region) == ("123456789012", "us-east-1")
    assert (config.table.table_name, config.token_key.key) == ("jobs", b"k" * 32)
    assert config.token_key.secret_arn is None


def test_token_key_from_a_secret() -> None:
    config = ApiConfig.from_env({**HOME, "TABLE_NAME": "jobs", "TOKEN_KEY_SECRET_ARN": ARN})
    assert (config.token_key.key, config.token_key.secret_arn) == (None, ARN)


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"TABLE_NAME": "jobs"}, "TOKEN_KEY"),
        ({"TOKEN_KEY": "k" * 32}, "TABLE_NAME"),
        ({"TABLE_NAME": "jobs", "TOKEN_KEY": "short"}, "at least 16"),
        ({"TABLE_NAME": "jobs", "TOKEN_KEY": "k" * 32, "TOKEN_KEY_SECRET_ARN": ARN}, "only one"),
        ({"TABLE_NAME": "jobs", "TOKEN_KEY_SECRET_ARN": "page-key"}, "secret ARN"),
    ],
)
def test_bad_configuration_names_the_variable(env: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        ApiConfig.from_env(env)


@pytest.mark.parametrize(
    ("home", "message"),
    [
        ({}, "HOME_ACCOUNT is required"),
        ({"HOME_ACCOUNT": "123456789012"}, "HOME_REGION is required"),
        ({"HOME_ACCOUNT": "12345", "HOME_REGION": "us-east-1"}, "not an account id"),
        ({"HOME_ACCOUNT": "123456789012", "HOME_REGION": "Mars"}, "not a region"),
    ],
)
def test_the_home_account_and_region_are_required_and_checked(
    home: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        ApiConfig.from_env({**home, "TABLE_NAME": "jobs", "TOKEN_KEY": "k" * 32})
