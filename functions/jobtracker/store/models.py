"""The single table's items as PynamoDB models.

PynamoDB fixes a model's table name, region and endpoint when the class is created, so
the classes are made by `define_models` from configuration at start-up, never at import.
The same definitions give the table's key schema and indexes to the CDK stack and to the
local stack (`table_schema`), so the schema is written once.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from jobtracker.indexes import IndexName
from jobtracker.names import STATUSES

# What a job listing shows, packed into one attribute (`summary`, see keys.pack_summary):
# every list index projects only it, so a listing reads each item once and never goes
# back to the table, and eight list indexes stay far within DynamoDB's limit of 100
# projected attributes per table (seventeen separate ones would need 136).
SUMMARY_ATTRIBUTES = ["summary"]

# Job attributes that the packed summary holds and nothing else needs from the item: no
# index keys on them, no condition or read names them. Stored apart too, they made every
# job item about 350 bytes larger, and each write of it, twice per stored event, a write
# unit dearer. A new summary field belongs here unless an index or a read needs it.
SUMMARY_ONLY = frozenset(
    {
        "job_arn",
        "creation_time",
        "training_start_time",
        "training_end_time",
        "failure_reason",
        "instance_type",
        "instance_count",
        "billable_time_in_seconds",
        "training_time_in_seconds",
    }
)

STATS_COUNTERS = (
    *(f"count_{status}" for status in STATUSES),
    "billable_seconds",
    "training_seconds",
    "spot_billable_seconds",
    "spot_training_seconds",
    # The day's final job costs in micro-dollars (integers add up alike in any order),
    # and how many ended jobs have no cost: also counted per spend group.
    "cost_micros",
    "unpriced_jobs",
)

# The list indexes are named by IndexName (what the queries choose among); this one only
# the reconciler reads.
PENDING_INDEX = "by-pending"
# The value of `pending` on a job whose terminal snapshot still waits for
# DescribeTrainingJob; absent otherwise, so the pending index holds only those jobs.
# One value per account and region: the reconciler heals each place's from its own
# partition, so a member whose role is denied, with any number of jobs waiting, never
# crowds out another's.
PENDING_ENRICHMENT = "enrichment"


def pending_enrichment(account: str, region: str) -> str:
    return f"{PENDING_ENRICHMENT}#{account}#{region}"


class Models(NamedTuple):
    job: type[Any]
    transition: type[Any]
    daily_stats: type[Any]
    alert_claim: type[Any]
    reconcile_state: type[Any]


def define_models(table_name: str, region: str | None = None, host: str | None = None) -> Models:
    """Create the model classes bound to one table."""

    settings: dict[str, Any] = {"table_name": table_name}
    if region:
        settings["region"] = region
    if host:
        settings["host"] = host

    def table_meta() -> type:
        return type("Meta", (), dict(settings))

    def index_meta(name: str) -> type:
        return type(
            "Meta",
            (),
            {"index_name": name, "projection": IncludeProjection(SUMMARY_ATTRIBUTES)},
        )

    def by_creation(index: IndexName, partition: str) -> Any:
        """A list index: one partition per value of `partition`, newest first in it."""
        return type(
            index.value,
            (GlobalSecondaryIndex,),
            {
                "Meta": index_meta(index.value),
                partition: UnicodeAttribute(hash_key=True),
                "created_sk": UnicodeAttribute(range_key=True),
            },
        )

    class ByPending(GlobalSecondaryIndex[Any]):
        Meta = type(
            "Meta",
            (),
            {
                "index_name": PENDING_INDEX,
                "projection": IncludeProjection(
                    ["job_name", "account", "region", "order_key", "last_modified_time"]
                ),
            },
        )
        pending = UnicodeAttribute(hash_key=True)

    # Name prefix search: partition = the name's first character (one of 62), sort = the
    # name (then account and region: name_sk).
    class ByName(GlobalSecondaryIndex[Any]):
        Meta = index_meta(IndexName.NAME.value)
        name_shard = UnicodeAttribute(hash_key=True)
        name_sk = UnicodeAttribute(range_key=True)

    class JobItem(Model):
        """PK=JOB#<account>#<region>#<name>, SK=JOB: the newest snapshot, its summary, its
        index keys."""

        Meta = table_meta()  # type: ignore[assignment]
        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        order_key = UnicodeAttribute()
        record = BinaryAttribute(legacy_encoding=False)  # zlib-compressed JSON
        job_name = UnicodeAttribute()
        account = UnicodeAttribute()
        region = UnicodeAttribute()
        job_arn = UnicodeAttribute(null=True)
        status = UnicodeAttribute()
        secondary_status = UnicodeAttribute(null=True)
        # SUMMARY_ONLY attributes are declared so that a write can REMOVE them from an
        # item stored before they moved into the summary alone; none is written now.
        creation_time = UnicodeAttribute(null=True)
        creation_month = UnicodeAttribute()
        # "<creation_time>#<account>#<region>#<name>": unique, sortable
        created_sk = UnicodeAttribute()
        name_shard = UnicodeAttribute(null=True)  # the name's first character
        name_sk = UnicodeAttribute(null=True)  # "<name>#<account>#<region>"
        account_status = UnicodeAttribute(null=True)
        place = UnicodeAttribute(null=True)
        place_status = UnicodeAttribute(null=True)
        training_start_time = UnicodeAttribute(null=True)
        training_end_time = UnicodeAttribute(null=True)
        last_modified_time = UnicodeAttribute()
        failure_reason = UnicodeAttribute(null=True)
        instance_type = UnicodeAttribute(null=True)
        instance_count = NumberAttribute(null=True)
        billable_time_in_seconds = NumberAttribute(null=True)
        training_time_in_seconds = NumberAttribute(null=True)
        tuning_job_arn = UnicodeAttribute(null=True)
        managed_spot = BooleanAttribute(null=True)
        pending = UnicodeAttribute(null=True)  # pending_enrichment(...) or absent
        summary = UnicodeAttribute(null=True)  # the listing's JSON (keys.pack_summary)
        # What the transition items and daily aggregates reflect (see repository).
        applied_key = UnicodeAttribute(null=True)
        applied_status = UnicodeAttribute(null=True)
        applied_billable = NumberAttribute(null=True)
        applied_training = NumberAttribute(null=True)
        # Which transitions the stored history holds (repository.history_mark), so that
        # a snapshot writes only the transitions that are new or changed.
        applied_history = UnicodeAttribute(null=True)
        # What the day's spend counters and the spend groups' hold of this job.
        applied_cost = NumberAttribute(null=True)
        applied_unpriced = BooleanAttribute(null=True)
        applied_groups = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[var-annotated]
        # The job's cost fields (jobtracker.cost.JobCost, JSON), once priced.
        cost = UnicodeAttribute(null=True)

        by_status = by_creation(IndexName.STATUS, "status")()
        by_month = by_creation(IndexName.MONTH, "creation_month")()
        by_tuning_job = by_creation(IndexName.TUNING_JOB, "tuning_job_arn")()
        by_pending = ByPending()
        by_name = ByName()
        # One account's jobs, and one account's in one region (its "place"), newest first:
        # by themselves and by status. Partition = "<account>", "<account>#<status>",
        # "<account>#<region>", "<account>#<region>#<status>"; sort = created_sk.
        by_account = by_creation(IndexName.ACCOUNT, "account")()
        by_account_status = by_creation(IndexName.ACCOUNT_STATUS, "account_status")()
        by_place = by_creation(IndexName.PLACE, "place")()
        by_place_status = by_creation(IndexName.PLACE_STATUS, "place_status")()

    class TransitionItem(Model):
        """PK=JOB#<account>#<region>#<name>, SK=TRANSITION#<start_time>#<status>."""

        Meta = table_meta()  # type: ignore[assignment]
        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        status = UnicodeAttribute()
        start_time = UnicodeAttribute()
        end_time = UnicodeAttribute(null=True)
        status_message = UnicodeAttribute(null=True)

    # PK=STATS (all accounts) or STATS#<account>, SK=DAY#<yyyy-mm-dd> of creation: counts
    # and seconds of that day's jobs.
    stats_attributes: dict[str, Any] = {
        "Meta": table_meta(),
        "pk": UnicodeAttribute(hash_key=True),
        "sk": UnicodeAttribute(range_key=True),
    }
    for name in STATS_COUNTERS:
        stats_attributes[name] = NumberAttribute(null=True)
    DailyStatsItem = type("DailyStatsItem", (Model,), stats_attributes)

    class AlertClaimItem(Model):
        """PK=JOB#<account>#<region>#<name>, SK=ALERT#<kind>: the one alert of that kind,
        pending or sent.

        `pending` with a lease while its holder publishes; `sent` for good once published.
        """

        Meta = table_meta()  # type: ignore[assignment]
        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        alert_kind = UnicodeAttribute()
        state = UnicodeAttribute()
        claim_token = UnicodeAttribute()
        lease_until_ms = NumberAttribute()
        claimed_at = UnicodeAttribute()
        order_key = UnicodeAttribute()  # the snapshot that claimed it
        sent_at = UnicodeAttribute(null=True)
        message_id = UnicodeAttribute(null=True)

    class ReconcileStateItem(Model):
        """PK=RECONCILE, SK=WATERMARK#<account>#<region>: how far the reconciler has listed
        SageMaker's jobs in one account and region.

        `watermark_ms`: every job modified before it has been reconciled. While a window
        is being worked through, `window_*` hold it and `window_resume_ms` the creation
        time the listing got to; `retry_names` the jobs whose store or alert failed, as
        "<account>/<region>/<name>".
        `revision` makes each save conditional on the last one.
        """

        Meta = table_meta()  # type: ignore[assignment]
        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        revision = NumberAttribute()
        watermark_ms = NumberAttribute(null=True)
        window_since_ms = NumberAttribute(null=True)
        window_until_ms = NumberAttribute(null=True)
        window_resume_ms = NumberAttribute(null=True)
        retry_names = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[var-annotated]

    return Models(
        job=JobItem,
        transition=TransitionItem,
        daily_stats=DailyStatsItem,
        alert_claim=AlertClaimItem,
        reconcile_state=ReconcileStateItem,
    )


def table_meta(table_name: str, region: str | None, host: str | None) -> type:
    """A model's Meta for the table: for the single-item models kept beside their
    repository (store/price_book.py, store/budget_claims.py)."""
    settings: dict[str, Any] = {"table_name": table_name}
    if region:
        settings["region"] = region
    if host:
        settings["host"] = host
    return type("Meta", (), settings)


def table_schema() -> dict[str, Any]:
    """Key schema, attribute definitions and GSIs in CreateTable's own shape."""
    job = define_models("schema-only").job
    key_schema = [
        {"AttributeName": job._hash_keyname, "KeyType": "HASH"},
        {"AttributeName": job._range_keyname, "KeyType": "RANGE"},
    ]
    attributes: dict[str, str] = {job._hash_keyname: "S", job._range_keyname: "S"}
    indexes = []
    for index in job._indexes.values():
        schema = index._get_schema()
        for definition in schema["attribute_definitions"]:
            attributes[definition["AttributeName"]] = definition["AttributeType"]
        keys = {key["AttributeName"] for key in schema["key_schema"]}
        # DynamoDB projects every key attribute itself and refuses one named again.
        non_key = [
            name
            for name in schema["projection"]["NonKeyAttributes"]
            if name not in keys | {job._hash_keyname, job._range_keyname}
        ]
        indexes.append(
            {
                "IndexName": schema["index_name"],
                # DynamoDB wants the HASH key first.
                "KeySchema": sorted(schema["key_schema"], key=lambda k: k["KeyType"] != "HASH"),
                "Projection": {**schema["projection"], "NonKeyAttributes": non_key},
            }
        )
    indexes.sort(key=lambda index: index["IndexName"])
    return {
        "KeySchema": key_schema,
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind} for name, kind in attributes.items()
        ],
        "GlobalSecondaryIndexes": indexes,
    }
