"""Numbers as strict JSON and DynamoDB can hold them.

JSON has no NaN or Infinity: Python writes them as bare `NaN`, which strict parsers
(browsers, jq, most languages) refuse. A DynamoDB Number holds at most 38 significant
digits, with a magnitude from 1E-130 to below 1E126; any other is a ValidationException
that would send the whole event to the dead-letter queue.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

MAX_DIGITS = 38
MIN_EXPONENT = -130
MAX_EXPONENT = 125


def fits_dynamodb(value: int | float) -> bool:
    """Whether DynamoDB takes the number as it is written (json.dumps, as PynamoDB sends it).

    An integer's digits all count, trailing zeros too: PynamoDB sends them all, and boto3's
    own serialiser refuses what it would have to round.
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            return False
        if value == 0:
            return True
        # repr is the shortest text that reads back the same: at most 17 digits.
        exponent = Decimal(repr(value)).adjusted()
        return MIN_EXPONENT <= exponent <= MAX_EXPONENT
    # 10**38 needs 127 bits: a longer integer has more than 38 digits, and is not written
    # out (Python refuses to write integers of more than 4,300 digits as text).
    return value.bit_length() <= 127 and len(str(abs(value))) <= MAX_DIGITS


def record_number(value: int | float) -> int | float | str | None:
    """A number of the record: null if not finite, its text if DynamoDB could not hold it
    (so the record says what came in, and nothing copies it into a Number attribute)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if fits_dynamodb(value):
        return value
    return repr(value) if isinstance(value, float) else str(value)


def finite_json(document: Any) -> Any:
    """The document with every non-finite float as None (records stored before the rule)."""
    if isinstance(document, float):
        return document if math.isfinite(document) else None
    if isinstance(document, dict):
        return {key: finite_json(value) for key, value in document.items()}
    if isinstance(document, list):
        return [finite_json(value) for value in document]
    return document
