"""The environment every in-process figure runs in: set before any handler is imported.

Handlers read their configuration once, at import, as in Lambda; the benchmark points
them at the emulator it starts (AWS_ENDPOINT_URL) and at one table.
"""

from __future__ import annotations

import os

from jobtracker.names import METRICS_NAMESPACE, SERVICE_NAME

TABLE_NAME = "jobtracker-bench"
NAIVE_TABLE_NAME = "jobtracker-bench-naive"
REGION = "us-east-1"

BENCH_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "TABLE_NAME": TABLE_NAME,
    "HOME_ACCOUNT": "123456789012",
    "HOME_REGION": REGION,
    "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
    # No X-Ray daemon here: in-process figures run untraced (the import figures do not).
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
    # Logging every event to a terminal would measure the terminal.
    "LOG_LEVEL": "ERROR",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "TOKEN_KEY": "bench-page-token-key-0123456789abcdef",
}


def apply(endpoint_url: str) -> None:
    for name, value in BENCH_ENV.items():
        os.environ[name] = value
    os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    os.environ.pop("AWS_PROFILE", None)
