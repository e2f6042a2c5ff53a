"""Logger, Tracer and Metrics, defined once for every handler.

Service name and metrics namespace come from the standard Powertools variables
(POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE) set by the stack.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
# Patch only botocore (every AWS call, PynamoDB's included): the default patches every
# library X-Ray knows and imports each one present to do so (requests, sqlite3, ...),
# which costs every cold start tens of milliseconds for calls these functions never make.
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics()

__all__ = ["MetricUnit", "logger", "metrics", "tracer"]
