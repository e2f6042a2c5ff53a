"""List prices bundled with jobtracker: what the local stack (no AWS account, no Price
List API) prices the demo's jobs with, and what a deployed stack uses until its first
price refresh has stored the Price List API's book.

Published on-demand prices of SageMaker training in us-east-1, USD per instance-hour, for
the instance types the demo runs (docs/cost.md says how they were taken). No other
region: a job elsewhere gets no figure and says why, rather than a guess.
"""

from __future__ import annotations

from jobtracker.cost import PriceBook

BUNDLED_SOURCE = "list prices bundled with jobtracker (SageMaker pricing page, us-east-1)"
BUNDLED_AS_OF = "2026-08-20"

BUNDLED_BOOK = PriceBook(
    {
        "us-east-1/ml.m5.large": 0.115,
        "us-east-1/ml.m5.xlarge": 0.23,
        "us-east-1/ml.m5.2xlarge": 0.461,
        "us-east-1/ml.c5.2xlarge": 0.408,
        "us-east-1/ml.c5.4xlarge": 0.816,
        "us-east-1/ml.g5.2xlarge": 1.515,
        "us-east-1/ml.g5.12xlarge": 7.09,
        "us-east-1/ml.g5.48xlarge": 20.36,
        "us-east-1/ml.p3.2xlarge": 3.825,
        "us-east-1/ml.p3.8xlarge": 14.688,
        "us-east-1/ml.p4d.24xlarge": 37.688,
    },
    BUNDLED_SOURCE,
    BUNDLED_AS_OF,
)
