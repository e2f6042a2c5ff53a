"""Test-wide settings: no test ever reaches a real AWS account."""

from __future__ import annotations

import os

# Set before any handler module is imported: handlers read their configuration once,
# at start-up, exactly as in Lambda.
_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "TABLE_NAME": "jobtracker-test",
    # The tracker's own account and region: moto's default account, the fixtures' own.
    "HOME_ACCOUNT": "123456789012",
    "HOME_REGION": "us-east-1",
    "TOKEN_KEY": "test-page-token-key-0123456789",
    # Alerts off unless a test sets them up with a topic (tests/fixtures/ingest_stack.py).
    "ALERT_KINDS": "",
    "POWERTOOLS_SERVICE_NAME": "jobtracker",
    "POWERTOOLS_METRICS_NAMESPACE": "jobtracker",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
    "LOG_LEVEL": "WARNING",
    # jsii's banner for Node 20 (end-of-life, still working) would fill the test output.
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
}
for _name, _value in _TEST_ENV.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)
