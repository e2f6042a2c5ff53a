"""Where moto (5.2.5) would make the local stack unusable, and the narrow fixes for it.

TransactWriteItems: before running a transaction, moto deep-copies the whole table once
per item of the transaction, to roll back on failure. The ingest path writes one
transaction per stored snapshot, so the cost grows with the table and the demo replay
slows to a crawl after a few hundred jobs. The fix keeps moto's transaction code and its
semantics (all or nothing) but backs up only the items the transaction touches.

EventBridge targets: to rebuild the event it delivers, moto's EventTemplateParser
stringifies each element of a list and then the list, so each level of nesting escapes
the level below once more and the text doubles: an 81-byte detail of 40 nested lists
(`"["*40 + "]"*40`) grows towards 2^40 bytes until the process, and with it the worker
and the API, is killed. EventBridge delivers the detail as it came (JSON); so does the
fix, in linear time.

Each fix reaches into moto's internals, so `install` refuses any moto but the one they
were written for (MOTO_VERSION), with a message that says what to do: an upgrade is
checked against every fix before it is used.
"""

from __future__ import annotations

import copy
import json
import types
from typing import Any

import moto
import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.events.utils import EventTemplateParser

MOTO_VERSION = "5.2.5"
_ORIGINAL_TRANSACT_WRITE = DynamoDBBackend.transact_write_items
_ORIGINAL_STRINGIFY = EventTemplateParser.__dict__["_stringify"]


def _deepcopy_except_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
    # A table is no longer copied whole: `_transact_write_items` backs up its items.
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _copy_module() -> types.ModuleType:
    shim = types.ModuleType("copy")
    shim.__dict__.update(copy.__dict__)
    shim.deepcopy = _deepcopy_except_tables  # type: ignore[attr-defined]
    return shim


def _item_key(table: Table, operation: dict[str, Any], kind: str) -> tuple[Any, Any] | None:
    key = operation.get("Item") if kind == "Put" else operation.get("Key")
    if not isinstance(key, dict) or table.hash_key_attr not in key:
        return None
    hash_value = DynamoType(key[table.hash_key_attr])
    if table.range_key_attr is None:
        return hash_value, None
    if table.range_key_attr not in key:
        return None
    return hash_value, DynamoType(key[table.range_key_attr])


def _backup(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    saved = []
    for entry in transact_items:
        for kind, operation in entry.items():
            table = backend.tables.get(operation.get("TableName"))
            key = _item_key(table, operation, kind) if table is not None else None
            if key is None:
                continue
            hash_value, range_value = key
            if range_value is None:
                current = table.items.get(hash_value)
            else:
                current = table.items.get(hash_value, {}).get(range_value)
            saved.append((table, hash_value, range_value, copy.deepcopy(current)))
    return saved


def _restore(saved: list[tuple[Any, ...]]) -> None:
    for table, hash_value, range_value, item in reversed(saved):
        if range_value is None:
            if item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        elif item is None:
            table.items.get(hash_value, {}).pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    saved = _backup(self, transact_items)
    try:
        _ORIGINAL_TRANSACT_WRITE(self, transact_items)
    except Exception:
        _restore(saved)
        raise


def _stringify(result: Any) -> Any:
    """EventTemplateParser._stringify, with a list written as JSON once, as EventBridge
    delivers it (moto's writes each element, then the list: 2^depth)."""
    if isinstance(result, (dict, list)):
        return json.dumps(result)
    if isinstance(result, (int, float)):
        return str(result)
    return result


def require_written_for(module: str) -> None:
    """Stop at start, saying why, on a moto that `module`'s fixes were not written for."""
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(
            f"{module} was written for moto {MOTO_VERSION}, not {moto.__version__}: "
            "check each fix against it, then update MOTO_VERSION"
        )


def install() -> None:
    """Apply the fixes to moto in this process (idempotent)."""
    require_written_for("local/moto_fixes.py")
    dynamodb_models.copy = _copy_module()  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    EventTemplateParser._stringify = staticmethod(_stringify)  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    dynamodb_models.copy = copy  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = _ORIGINAL_TRANSACT_WRITE  # type: ignore[method-assign]
    EventTemplateParser._stringify = _ORIGINAL_STRINGIFY  # type: ignore[method-assign]
