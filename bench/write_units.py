"""What DynamoDB bills for a write, computed from the item before and after it.

moto reports no meaningful ConsumedCapacity, so the figures are computed here by the
rules of DynamoDB's Developer Guide:

- Item size ("DynamoDB item sizes and formats", CapacityUnitCalculations.html): the sum
  of each attribute's name and value in bytes. A string is its UTF-8 bytes, a binary its
  raw bytes, a number about one byte per two significant digits plus one, a null or
  Boolean one byte; a list or map 3 bytes plus one byte per element plus its elements.
  Storage adds 100 bytes per item for indexing.
- Write units ("DynamoDB read and write operations", read-write-operations.html): one per
  1 KB written, rounded up per item; a put or update is charged the larger of the item
  before and after it, a delete the item it deletes; a write whose condition fails is
  still charged, by the size of the item it found (at least 1). A transactional write
  costs two units per KB (transaction-apis.html, "Capacity management for transactions").
- Global secondary indexes ("Global secondary indexes", GSI.html, provisioned throughput
  and storage considerations): an index entry holds the table's key, the index's key and
  the projected attributes; an item enters an index only with every key attribute of it
  (a sparse index); putting an entry, deleting one, or rewriting its projected values is
  one write each, and changing an index key value is two: delete the old entry, put the
  new. A write that changes nothing an index holds costs that index nothing. Index entries
  are stored with 100 bytes of overhead each.

The index definitions are read from the table's one schema (`table_schema()`, what the
stack and the local stack create), never restated here.
"""

from __future__ import annotations

import base64
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KB = 1024
STORAGE_OVERHEAD = 100  # bytes per item, and per index entry
TRANSACTIONAL = 2

Item = Mapping[str, Mapping[str, Any]]  # DynamoDB JSON: {"name": {"S": "..."}}


@dataclass(frozen=True)
class IndexSpec:
    name: str
    keys: tuple[str, ...]
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    non_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    keys: tuple[str, ...]
    indexes: tuple[IndexSpec, ...]

    @classmethod
    def from_schema(cls, schema: Mapping[str, Any]) -> TableSpec:
        """From CreateTable's shape (`jobtracker.store.models.table_schema()`)."""
        return cls(
            keys=tuple(key["AttributeName"] for key in schema["KeySchema"]),
            indexes=tuple(
                IndexSpec(
                    name=index["IndexName"],
                    keys=tuple(key["AttributeName"] for key in index["KeySchema"]),
                    projection=index["Projection"]["ProjectionType"],
                    non_key=tuple(index["Projection"].get("NonKeyAttributes", ())),
                )
                for index in schema.get("GlobalSecondaryIndexes", ())
            ),
        )


def number_size(text: str) -> int:
    """A number's bytes: one per two significant digits, plus one."""
    mantissa = text.lstrip("+-").lower().split("e")[0]
    # Leading and trailing zeros are trimmed, wherever the point is (1200 is 12E2).
    digits = mantissa.replace(".", "").strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def value_size(value: Mapping[str, Any]) -> int:
    """The bytes of one typed value, without its attribute name."""
    ((kind, content),) = value.items()
    if kind == "S":
        return len(content.encode())
    if kind == "N":
        return number_size(content)
    if kind == "B":
        return len(_raw(content))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(text.encode()) for text in content)
    if kind == "NS":
        return sum(number_size(text) for text in content)
    if kind == "BS":
        return sum(len(_raw(blob)) for blob in content)
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in content)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_size(v) for name, v in content.items())
    raise ValueError(f"not a DynamoDB value: {kind}")


def _raw(blob: bytes | str) -> bytes:
    """Binary as sent over the wire is base64 text; its size is the raw bytes'."""
    return blob if isinstance(blob, bytes) else base64.b64decode(blob)


def item_size(item: Item) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def units(size: int) -> int:
    """Write units of one item write: 1 KB each, rounded up, at least one."""
    return max(1, math.ceil(size / KB))


def index_entry(table: TableSpec, index: IndexSpec, item: Item | None) -> dict[str, Any] | None:
    """What the index holds of `item`, or None when the item is not in it (sparse)."""
    if item is None or any(key not in item for key in index.keys):
        return None
    if index.projection == "ALL":
        return dict(item)
    names = {*table.keys, *index.keys, *(index.non_key if index.projection == "INCLUDE" else ())}
    return {name: item[name] for name in names if name in item}


@dataclass
class Charges:
    """Write units by target ("table", "transaction" or an index's name), and index deletes."""

    units: Counter[str] = field(default_factory=Counter)
    index_deletes: Counter[str] = field(default_factory=Counter)

    def add(self, other: Charges) -> None:
        self.units.update(other.units)
        self.index_deletes.update(other.index_deletes)

    @property
    def total(self) -> int:
        return sum(self.units.values())


def write_charges(
    table: TableSpec,
    before: Item | None,
    after: Item | None,
    *,
    transactional: bool = False,
    failed: bool = False,
) -> Charges:
    """The units one item write costs: the base table's and each index's.

    `before`/`after`: the item as stored before and after the write (None: absent). A
    failed conditional write leaves it as it was; pass `failed` to charge what DynamoDB
    charges for it. Index upkeep is charged as standard writes even when the item's own
    write is transactional: the Guide doubles the items of a transaction, not the indexes.
    """
    charges = Charges()
    target = "transaction" if transactional else "table"
    factor = TRANSACTIONAL if transactional else 1
    if failed:
        charges.units[target] += factor * units(item_size(before) if before else 0)
        return charges
    larger = max(item_size(before) if before else 0, item_size(after) if after else 0)
    charges.units[target] += factor * units(larger)
    for index in table.indexes:
        old = index_entry(table, index, before)
        new = index_entry(table, index, after)
        if old == new:
            continue
        if old is not None and (new is None or _keys(index, old) != _keys(index, new)):
            charges.units[index.name] += units(item_size(old))
            charges.index_deletes[index.name] += 1
            old = None
        if new is not None:
            larger = max(item_size(old) if old else 0, item_size(new))
            charges.units[index.name] += units(larger)
    return charges


def _keys(index: IndexSpec, entry: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(repr(entry[key]) for key in index.keys)


def stored_bytes(table: TableSpec, item: Item) -> dict[str, int]:
    """Bytes an item occupies, billed as storage: in the table and in each index it enters."""
    sizes = {"table": item_size(item) + STORAGE_OVERHEAD}
    for index in table.indexes:
        entry = index_entry(table, index, item)
        if entry is not None:
            sizes[index.name] = item_size(entry) + STORAGE_OVERHEAD
    return sizes
