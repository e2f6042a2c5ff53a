"""The table definition the CDK and local stacks take from the models obeys DynamoDB's rules
and is the one docs/design.md describes."""

import re
from pathlib import Path

from jobtracker.indexes import IndexName
from jobtracker.store.models import PENDING_INDEX, SUMMARY_ATTRIBUTES, table_schema

LIST_INDEXES = {name.value for name in IndexName}
DESIGN = Path(__file__).resolve().parents[2] / "docs" / "design.md"


def test_no_index_names_a_key_attribute_as_a_projected_one() -> None:
    schema = table_schema()
    table_keys = {key["AttributeName"] for key in schema["KeySchema"]}
    for index in schema["GlobalSecondaryIndexes"]:
        keys = {key["AttributeName"] for key in index["KeySchema"]}
        assert not set(index["Projection"]["NonKeyAttributes"]) & (keys | table_keys)


def test_projected_attributes_stay_within_dynamodbs_limit_of_100_per_table() -> None:
    indexes = table_schema()["GlobalSecondaryIndexes"]
    assert sum(len(index["Projection"]["NonKeyAttributes"]) for index in indexes) <= 100
    assert len(indexes) <= 20


def test_every_list_index_projects_only_the_summary() -> None:
    # docs/design.md: "every list index projects only `summary`"
    projected = {
        index["IndexName"]: index["Projection"]["NonKeyAttributes"]
        for index in table_schema()["GlobalSecondaryIndexes"]
    }
    assert projected.keys() >= LIST_INDEXES
    for name in LIST_INDEXES:
        assert projected[name] == SUMMARY_ATTRIBUTES, name


def test_the_pending_index_projects_what_the_reconciler_reads_of_a_pending_job() -> None:
    # docs/design.md: not keys only; store/reads.py's pending_enrichments reads these
    (pending,) = [
        index
        for index in table_schema()["GlobalSecondaryIndexes"]
        if index["IndexName"] == PENDING_INDEX
    ]
    assert pending["Projection"]["ProjectionType"] == "INCLUDE"
    assert set(pending["Projection"]["NonKeyAttributes"]) == {
        "job_name",
        "account",
        "region",
        "order_key",
        "last_modified_time",
    }


def test_the_design_page_lists_every_index_of_the_table() -> None:
    rows = re.findall(r"^\| `(by-[a-z-]+)` \|", DESIGN.read_text(), flags=re.MULTILINE)
    indexes = [index["IndexName"] for index in table_schema()["GlobalSecondaryIndexes"]]
    assert sorted(rows) == sorted(indexes)


def test_hash_key_comes_first_in_every_key_schema() -> None:
    schema = table_schema()
    for key_schema in [
        schema["KeySchema"],
        *(i["KeySchema"] for i in schema["GlobalSecondaryIndexes"]),
    ]:
        assert key_schema[0]["KeyType"] == "HASH"
