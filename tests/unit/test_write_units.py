"""The write-unit arithmetic of the benchmark, by DynamoDB's documented rules."""

from __future__ import annotations

import base64

import pytest
from jobtracker.indexes import IndexName
from jobtracker.store.models import PENDING_INDEX, table_schema

from bench.item_writes import EventWrites, ItemWrite, WriteLog
from bench.write_units import (
    Charges,
    IndexSpec,
    TableSpec,
    index_entry,
    item_size,
    number_size,
    stored_bytes,
    units,
    write_charges,
)

TABLE = TableSpec(
    keys=("pk", "sk"),
    indexes=(
        IndexSpec("by-colour", ("colour", "created"), "INCLUDE", ("summary",)),
        IndexSpec("by-flag", ("flag",), "KEYS_ONLY"),
    ),
)


def _item(**attributes: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": "P"}, "sk": {"S": "S"}, **{k: {"S": v} for k, v in attributes.items()}}


@pytest.mark.parametrize(
    ("text", "size"),
    [("7", 2), ("12", 2), ("123", 3), ("-123.45", 4), ("1200", 2), ("0.0050", 2), ("0", 2)],
)
def test_a_number_is_a_byte_per_two_significant_digits_plus_one(text: str, size: int) -> None:
    assert number_size(text) == size


def test_item_size_sums_names_and_values_by_type() -> None:
    item = {
        "s": {"S": "héllo"},  # 1 + 6 UTF-8 bytes
        "n": {"N": "1234"},  # 1 + 3
        "b": {"B": base64.b64encode(b"\x00" * 10).decode()},  # 1 + 10 raw bytes
        "t": {"BOOL": True},  # 1 + 1
        "z": {"NULL": True},  # 1 + 1
        "l": {"L": [{"S": "ab"}, {"N": "1"}]},  # 1 + 3 + (1 + 2) + (1 + 2)
        "m": {"M": {"k": {"S": "v"}}},  # 1 + 3 + (1 + 1 + 1)
    }
    assert item_size(item) == 7 + 4 + 11 + 2 + 2 + 10 + 7


@pytest.mark.parametrize(("size", "expected"), [(0, 1), (1, 1), (1024, 1), (1025, 2), (3000, 3)])
def test_a_write_unit_is_a_kilobyte_rounded_up(size: int, expected: int) -> None:
    assert units(size) == expected


def test_the_spec_is_the_models_own_schema() -> None:
    # Given the schema the stack and the local stack create
    spec = TableSpec.from_schema(table_schema())
    # Then every list index and the pending index is there, with its projection
    names = {index.name for index in spec.indexes}
    assert names == {index.value for index in IndexName} | {PENDING_INDEX}
    status = next(index for index in spec.indexes if index.name == IndexName.STATUS.value)
    assert status.projection == "INCLUDE"
    assert status.keys[0] == "status"
    assert spec.keys == ("pk", "sk")


def test_a_new_item_writes_the_table_and_each_index_it_enters() -> None:
    after = _item(colour="red", created="1", summary="x" * 2000)
    charges = write_charges(TABLE, None, after)
    # the table: the whole item; by-colour: keys and summary (2 KB); not in by-flag
    assert charges.units == {"table": units(item_size(after)), "by-colour": 2}
    assert charges.index_deletes == {}


def test_changing_only_an_unprojected_attribute_costs_no_index() -> None:
    before = _item(colour="red", created="1", summary="s", note="a")
    after = _item(colour="red", created="1", summary="s", note="b")
    assert write_charges(TABLE, before, after).units == {"table": 1}


def test_changing_a_projected_attribute_rewrites_the_entry_once() -> None:
    before = _item(colour="red", created="1", summary="s")
    after = _item(colour="red", created="1", summary="t")
    charges = write_charges(TABLE, before, after)
    assert charges.units == {"table": 1, "by-colour": 1}
    assert charges.index_deletes == {}


def test_changing_an_index_key_deletes_the_old_entry_and_puts_the_new() -> None:
    before = _item(colour="red", created="1", summary="s")
    after = _item(colour="blue", created="1", summary="s")
    charges = write_charges(TABLE, before, after)
    assert charges.units == {"table": 1, "by-colour": 2}
    assert charges.index_deletes == {"by-colour": 1}


def test_leaving_a_sparse_index_is_one_delete() -> None:
    before = _item(flag="on")
    after = _item()
    charges = write_charges(TABLE, before, after)
    assert charges.units == {"table": 1, "by-flag": 1}
    assert charges.index_deletes == {"by-flag": 1}


def test_an_update_is_charged_the_larger_of_before_and_after() -> None:
    before = _item(note="x" * 3000)
    after = _item(note="x")
    assert write_charges(TABLE, before, after).units == {"table": 3}


def test_a_transactional_write_costs_double_and_its_index_upkeep_does_not() -> None:
    after = _item(colour="red", created="1", summary="x" * 1500)
    charges = write_charges(TABLE, None, after, transactional=True)
    assert charges.units == {"transaction": 2 * units(item_size(after)), "by-colour": 2}


def test_a_failed_condition_is_charged_the_item_it_found_and_no_index() -> None:
    found = _item(colour="red", created="1", summary="x" * 2500)
    assert write_charges(TABLE, found, found, failed=True).units == {"table": 3}
    assert write_charges(TABLE, None, None, failed=True).units == {"table": 1}


def test_storage_adds_a_hundred_bytes_per_item_and_per_index_entry() -> None:
    item = _item(colour="red", created="1", summary="s", note="n")
    entry = index_entry(TABLE, TABLE.indexes[0], item)
    assert entry is not None and "note" not in entry
    assert stored_bytes(TABLE, item) == {
        "table": item_size(item) + 100,
        "by-colour": item_size(entry) + 100,
    }


def _write(kind: str, *, transactional: bool = False, failed: bool = False) -> ItemWrite:
    charges = Charges()
    charges.units["table"] = 1
    key = {"pk": {"S": "P"}, "sk": {"S": kind}}
    return ItemWrite("UpdateItem", kind, key, charges, failed, transactional)


def test_writes_are_grouped_by_the_event_whose_job_update_began_them() -> None:
    # Given: a stored event (job update, then its transaction), then a stale one
    log = WriteLog(
        [
            _write("job"),
            _write("transition", transactional=True),
            _write("job", transactional=True),
            _write("job", failed=True),
        ]
    )
    # Then the transaction's own job update does not begin an event
    events = log.events()
    assert [(e.stored, len(e.writes)) for e in events] == [(True, 3), (False, 1)]
    assert isinstance(events[0], EventWrites) and events[0].charges.total == 3
