"""Every item a run writes, as stored before and after, and what DynamoDB would bill.

Each DynamoDB write request is seen at botocore's choke point (as `bench.calls` sees
them); the items it names are read from the emulator's own tables just before and just
after it, so the charges are those of the items actually written, conditions and
transactions included. The arithmetic is `bench.write_units`'.

The requests are grouped by event: an event's first request is the conditional
UpdateItem of its job item (the write path's step 1); what follows it, up to the next
one, is that event's (its transaction, its alert claim). A step 1 that fails its
condition is a stale event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from bench.write_units import Charges, Item, TableSpec, write_charges

# (table name, key) -> the item as stored, or None
ReadItem = Callable[[str, dict[str, Any]], Item | None]

_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


def item_kind(key: dict[str, Any]) -> str:
    """job, transition, alert claim, stats day or reconcile state, from its sort key."""
    sort = next(iter(v["S"] for name, v in key.items() if name == "sk"), "")
    for prefix, kind in (
        ("TRANSITION#", "transition"),
        ("ALERT#", "alert"),
        ("DAY#", "stats"),
        ("WATERMARK#", "reconcile"),
    ):
        if sort.startswith(prefix):
            return kind
    return "job" if sort == "JOB" else "other"


@dataclass
class ItemWrite:
    operation: str
    kind: str
    key: dict[str, Any]
    charges: Charges
    failed: bool
    transactional: bool


@dataclass
class EventWrites:
    stored: bool
    writes: list[ItemWrite] = field(default_factory=list)

    @property
    def charges(self) -> Charges:
        total = Charges()
        for write in self.writes:
            total.add(write.charges)
        return total


@dataclass
class WriteLog:
    writes: list[ItemWrite] = field(default_factory=list)

    def events(self) -> list[EventWrites]:
        events: list[EventWrites] = []
        for write in self.writes:
            if write.operation == "UpdateItem" and write.kind == "job" and not write.transactional:
                events.append(EventWrites(stored=not write.failed))
            if events:
                events[-1].writes.append(write)
        return events


def _keys_of(table: TableSpec, item: dict[str, Any]) -> dict[str, Any]:
    return {name: item[name] for name in table.keys}


Target = tuple[str, str, dict[str, Any], bool]


def _targets(operation: str, params: dict[str, Any], table: TableSpec) -> list[Target]:
    """(request kind, table name, key, transactional) of every item a request writes."""
    if operation in ("UpdateItem", "DeleteItem"):
        return [(operation, params["TableName"], params["Key"], False)]
    if operation == "PutItem":
        return [(operation, params["TableName"], _keys_of(table, params["Item"]), False)]
    if operation == "BatchWriteItem":
        found: list[Target] = []
        for name, requests in params["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    key = _keys_of(table, request["PutRequest"]["Item"])
                    found.append(("PutItem", name, key, False))
                else:
                    found.append(("DeleteItem", name, request["DeleteRequest"]["Key"], False))
        return found
    found = []
    for entry in params["TransactItems"]:
        ((action, body),) = entry.items()
        if action == "ConditionCheck":
            found.append((action, body["TableName"], body["Key"], True))
        elif action == "Put":
            found.append(("PutItem", body["TableName"], _keys_of(table, body["Item"]), True))
        else:
            found.append((f"{action}Item", body["TableName"], body["Key"], True))
    return found


@contextmanager
def recording_writes(table_name: str, table: TableSpec, read_item: ReadItem) -> Iterator[WriteLog]:
    """Charge every write to `table_name` made inside the block."""
    log = WriteLog()
    original = BaseClient._make_api_call

    def recorded(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name != "dynamodb" or operation not in _WRITES:
            return original(self, operation, params)
        targets = [t for t in _targets(operation, params, table) if t[1] == table_name]
        before = [read_item(name, key) for _, name, key, _ in targets]
        failed = False
        try:
            return original(self, operation, params)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            failed = code in ("ConditionalCheckFailedException", "TransactionCanceledException")
            raise
        finally:
            for (kind, name, key, transactional), old in zip(targets, before, strict=True):
                new = read_item(name, key)
                if kind == "ConditionCheck":
                    # Billed as a write of the item it checks, in the transaction.
                    charges = write_charges(table, old, old, transactional=True, failed=True)
                else:
                    charges = write_charges(
                        table, old, new, transactional=transactional, failed=failed
                    )
                log.writes.append(
                    ItemWrite(kind, item_kind(key), key, charges, failed, transactional)
                )

    BaseClient._make_api_call = recorded  # type: ignore[method-assign]
    try:
        yield log
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def per_event(events: list[EventWrites]) -> dict[str, Any]:
    """Mean write units of these events: in all, by target and by item kind."""
    if not events:
        return {"events": 0}
    targets: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    deletes: Counter[str] = Counter()
    for event in events:
        for write in event.writes:
            targets.update(write.charges.units)
            kinds[write.kind] += write.charges.total
            deletes.update(write.charges.index_deletes)
    count = len(events)
    return {
        "events": count,
        "wcu": round(sum(targets.values()) / count, 2),
        "by_target": {name: round(n / count, 2) for name, n in sorted(targets.items())},
        "by_item": {name: round(n / count, 2) for name, n in sorted(kinds.items())},
        "index_deletes": round(sum(deletes.values()) / count, 2),
    }


def stats_per_day(log: WriteLog) -> dict[str, Any]:
    """Units spent on the daily aggregate items, per aggregate item and per day."""
    writes = [write for write in log.writes if write.kind == "stats"]
    days = {write.key["sk"]["S"] for write in writes}
    items = {(write.key["pk"]["S"], write.key["sk"]["S"]) for write in writes}
    spent = sum(write.charges.total for write in writes)
    return {
        "days": len(days),
        "items": len(items),
        "writes": len(writes),
        "wcu_per_day": round(spent / len(days), 1) if days else 0,
        "wcu_per_write": round(spent / len(writes), 2) if writes else 0,
    }
