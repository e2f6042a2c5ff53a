"""The table definition the CDK and local stacks take from the models obeys DynamoDB's rules."""

from jobtracker.store.models import SUMMARY_ATTRIBUTES, table_schema

LIST_INDEXES = {"by-status", "by-month", "by-tuning-job", "by-name"}


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


def test_every_list_index_carries_the_whole_summary() -> None:
    for index in table_schema()["GlobalSecondaryIndexes"]:
        if index["IndexName"] in LIST_INDEXES:
            keys = {key["AttributeName"] for key in index["KeySchema"]}
            carried = keys | set(index["Projection"]["NonKeyAttributes"])
            assert set(SUMMARY_ATTRIBUTES) <= carried, index["IndexName"]


def test_hash_key_comes_first_in_every_key_schema() -> None:
    schema = table_schema()
    for key_schema in [
        schema["KeySchema"],
        *(i["KeySchema"] for i in schema["GlobalSecondaryIndexes"]),
    ]:
        assert key_schema[0]["KeyType"] == "HASH"
