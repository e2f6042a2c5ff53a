"""The deployed key source: a Secrets Manager secret, read once, on first use."""

from __future__ import annotations

import boto3
from jobtracker.config import ApiConfig
from jobtracker.tokens import Cursor, PageTokens, TokenKey
from moto import mock_aws


def test_tokens_signed_with_the_key_from_secrets_manager() -> None:
    with mock_aws():
        # Given the key in a secret, and the api configured with its ARN
        secrets = boto3.client("secretsmanager")
        arn = secrets.create_secret(Name="page-token-key", SecretString="k" * 64)["ARN"]
        config = ApiConfig.from_env(
            {
                "TABLE_NAME": "jobs",
                "TOKEN_KEY_SECRET_ARN": arn,
                "HOME_ACCOUNT": "123456789012",
                "HOME_REGION": "us-east-1",
            }
        )
        key = TokenKey(config.token_key.key, config.token_key.secret_arn)
        tokens = PageTokens(key)
        # When a token is issued and opened
        cursor = Cursor("2026-11", "2026-11-01T00:00:00.000Z#job-1")
        opened = tokens.open(tokens.issue("query", cursor), "query")
        # Then it round-trips, signed with the secret's value
        assert opened == cursor
        assert key() == b"k" * 64
        assert PageTokens(lambda: b"k" * 64).open(tokens.issue("query", cursor), "query") == cursor
