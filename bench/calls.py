"""Every AWS request the code under test makes, seen at botocore's single choke point.

PynamoDB and boto3 both send through `BaseClient._make_api_call`; wrapping it counts each
request (retries inside botocore are one call) and keeps what DynamoDB says it read.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient


@dataclass
class CallLog:
    operations: Counter[str] = field(default_factory=Counter)  # "dynamodb.UpdateItem" -> n
    scanned: int = 0  # Query ScannedCount, summed
    scanned_by_index: Counter[str] = field(default_factory=Counter)  # index (or "table") -> n
    counted: int = 0  # Query Count, summed
    items_got: int = 0  # GetItem responses holding an item
    seconds: float = 0.0  # spent inside AWS calls (botocore, the network, the emulator)

    def service_total(self, service: str) -> int:
        return sum(n for op, n in self.operations.items() if op.startswith(service + "."))

    def of_service(self, service: str) -> dict[str, int]:
        prefix = service + "."
        return {
            op.removeprefix(prefix): n
            for op, n in sorted(self.operations.items())
            if op.startswith(prefix)
        }


@contextmanager
def recording() -> Iterator[CallLog]:
    log = CallLog()
    original = BaseClient._make_api_call

    def recorded(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        log.operations[f"{service}.{operation}"] += 1
        started = time.perf_counter()
        try:
            response = original(self, operation, params)
        finally:
            log.seconds += time.perf_counter() - started
        if service == "dynamodb":
            if operation == "Query":
                log.scanned += int(response.get("ScannedCount", 0))
                where = params.get("IndexName", "table")
                log.scanned_by_index[where] += int(response.get("ScannedCount", 0))
                log.counted += int(response.get("Count", 0))
            elif operation == "GetItem" and response.get("Item"):
                log.items_got += 1
        return response

    BaseClient._make_api_call = recorded  # type: ignore[method-assign]
    try:
        yield log
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]
