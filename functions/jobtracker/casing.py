"""SDK attribute names (PascalCase) to the record's snake_case keys."""

from __future__ import annotations

import re

# "AutoMLJobArn" -> auto_ml_job_arn, "VolumeSizeInGB" -> volume_size_in_gb, "S3Uri" -> s3_uri
_ACRONYM_THEN_WORD = re.compile(r"([A-Z]+)([A-Z][a-z])")
_LOWER_THEN_UPPER = re.compile(r"([a-z0-9])([A-Z])")


def snake_case(name: str) -> str:
    partly = _ACRONYM_THEN_WORD.sub(r"\1_\2", name)
    return _LOWER_THEN_UPPER.sub(r"\1_\2", partly).replace("-", "_").lower()
