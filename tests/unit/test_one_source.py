"""Each shared name is written once (docs/design.md, "Names and where each lives").

The shipped source (functions/, infra/, the CLI, the local stack, the bench) is read as
Python syntax trees, and every string literal is checked against the names that have a
home module: a metric name, an index name or the event's source or detail type written
anywhere else, or a status list or alert kind list (two or more of them together, in a
collection or a comma list) written outside its home, is a copy that will drift. Tests,
docs and the sample events may spell them out: they check the names, or are SageMaker's.

The command-line client and its web view are installed without the `jobtracker` package,
so they keep their own statuses; the tests at the end hold those equal to the domain's.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from api.openapi import openapi_document
from jobtracker import names
from jobtracker.alert_kinds import DEFAULT_KINDS, AlertKind
from jobtracker.indexes import IndexName
from jobtracker.record import STATUS_RANK, TERMINAL_RANK
from jobtracker.store.keys import IN_FLIGHT_FIELDS, pack_summary
from jobtracker.store.models import PENDING_INDEX

from jobtracker_cli import main as cli

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("functions", "infra", "jobtracker_cli", "local", "bench", "synthetic", "app.py")
# The SageMaker simulators (the demo, the emulated jobs, the synthetic events) write events
# and jobs as SageMaker does: its statuses and secondary statuses (which share words with
# the alert kinds) are their subject.
SIMULATORS = ("local/demo.py", "local/sagemaker_jobs.py", "synthetic/events.py")
NAMES = "functions/jobtracker/names.py"
KINDS = "functions/jobtracker/alert_kinds.py"


@dataclass(frozen=True)
class Vocabulary:
    what: str
    words: frozenset[str]
    homes: tuple[str, ...]


# Any one of these, written outside its home, is a copy.
SINGLE_NAMES = (
    Vocabulary("metric name", frozenset(names.METRIC_NAMES), (NAMES,)),
    Vocabulary(
        "event source or detail type",
        frozenset({names.EVENT_SOURCE, names.EVENT_DETAIL_TYPE}),
        (NAMES,),
    ),
    Vocabulary(
        "index name",
        frozenset(index.value for index in IndexName),
        ("functions/jobtracker/indexes.py",),
    ),
    # Not a listing's index: only the store's reconcile reads use it.
    Vocabulary("index name", frozenset({PENDING_INDEX}), ("functions/jobtracker/store/models.py",)),
    # The CLI, installed without the domain package, keeps its own (held equal below).
    Vocabulary(
        "SageMaker log group",
        frozenset({names.TRAINING_JOB_LOG_GROUP}),
        (NAMES, "jobtracker_cli/main.py"),
    ),
    # The CLI reads it from the API's JSON by name, as it reads every other field.
    Vocabulary(
        "record and summary field",
        frozenset({names.ENRICHMENT_PENDING}),
        (NAMES, "jobtracker_cli/main.py"),
    ),
)
# Two or more of these together (a list, a comma list) outside their home are a copy;
# one alone is a use ("Failed" as a filter, a rule's status).
LISTS = (
    Vocabulary(
        "status list",
        frozenset(names.STATUSES),
        (NAMES, "jobtracker_cli/main.py", *SIMULATORS),
    ),
    Vocabulary(
        "alert kind list", frozenset(kind.value for kind in AlertKind), (KINDS, *SIMULATORS)
    ),
)


def shipped_sources() -> Iterator[tuple[str, ast.Module]]:
    for top in SCANNED:
        paths = [ROOT / top] if top.endswith(".py") else sorted((ROOT / top).rglob("*.py"))
        for path in paths:
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), str(path))


def strings_of(node: ast.AST) -> list[str]:
    """The string constants directly in a collection literal (a dict: its keys)."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        items = node.elts
    elif isinstance(node, ast.Dict):
        items = [key for key in node.keys if key is not None]
    else:
        return []
    return [
        item.value
        for item in items
        if isinstance(item, ast.Constant) and isinstance(item.value, str)
    ]


def copies_in(path: str, tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for vocabulary in SINGLE_NAMES:
                if node.value in vocabulary.words and path not in vocabulary.homes:
                    yield f"{path}:{node.lineno}: {vocabulary.what} {node.value!r}"
            parts = [part.strip() for part in node.value.split(",")]
            groups = [parts] if len(parts) > 1 else []
        else:
            groups = [strings_of(node)]
        for words in groups:
            # Completed, Failed and Stopped are statuses and kinds: a list is judged as a
            # copy of the one it holds more of.
            found, vocabulary = max(
                (([word for word in words if word in each.words], each) for each in LISTS),
                key=lambda pair: len(pair[0]),
            )
            if len(found) >= 2 and path not in vocabulary.homes:
                yield f"{path}:{node.lineno}: {vocabulary.what} {found}"


def test_no_shared_name_is_written_outside_its_home() -> None:
    copies = [copy for path, tree in shipped_sources() for copy in copies_in(path, tree)]
    assert copies == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('rows = ("InProgress", "Failed")', ["status list ['InProgress', 'Failed']"]),
        ('ALERT_KINDS = "Failed,MaxRuntimeExceeded"', ["alert kind list"]),
        ('metrics.add_metric(name="EventsStored")', ["metric name 'EventsStored'"]),
        ('index = "by-place-status"', ["index name 'by-place-status'"]),
        ('group = "/aws/sagemaker/TrainingJobs"', ["SageMaker log group"]),
        ('pattern = {"detail-type": ["SageMaker Training Job State Change"]}', ["event source"]),
        ('if status == "Failed": pass', []),
    ],
)
def test_the_scan_finds_a_copy_of_each_kind(source: str, expected: list[str]) -> None:
    # Given a module outside every home that writes a name again (or, last, only uses one)
    copies = list(copies_in("infra/example.py", ast.parse(source)))
    # Then the scan reports exactly those copies
    assert len(copies) == len(expected)
    for copy, what in zip(copies, expected, strict=True):
        assert what in copy, copy


def test_the_status_rank_ranks_exactly_the_statuses_in_their_order() -> None:
    assert tuple(STATUS_RANK) == names.STATUSES


def test_the_cli_offers_exactly_the_api_statuses() -> None:
    # The CLI's help keeps its own order; the set is the API's.
    assert sorted(cli.STATUSES) == sorted(names.STATUSES)
    assert len(cli.STATUSES) == len(names.STATUSES)


def _js_strings(source: str, constant: str) -> list[str]:
    match = re.search(rf"const {constant} = (?:new Set\()?\[([^\]]*)\]", source)
    assert match, constant
    return json.loads(f"[{match.group(1)}]")


def test_the_web_view_knows_the_api_statuses_and_which_are_running() -> None:
    web = ROOT / "jobtracker_cli" / "web"
    # The web view lists them in the API's order: its legend and columns follow /stats.
    assert _js_strings((web / "common.js").read_text(), "STATUSES") == list(names.STATUSES)
    running = _js_strings((web / "timeline.js").read_text(), "RUNNING")
    assert set(running) == {status for status, rank in STATUS_RANK.items() if rank < TERMINAL_RANK}


def test_no_other_web_script_lists_statuses() -> None:
    mirrors = {("common.js", "STATUSES"), ("timeline.js", "RUNNING")}
    quoted = re.compile(r"\[([^\[\]]*)\]")
    found = []
    for script in sorted((ROOT / "jobtracker_cli" / "web").glob("*.js")):
        for line in script.read_text().splitlines():
            for listed in quoted.findall(line):
                words = re.findall(r'"([^"]*)"', listed)
                if len(set(words) & set(names.STATUSES)) >= 2:
                    declared = re.match(r"\s*(?:export )?const (\w+)", line)
                    if not declared or (script.name, declared.group(1)) not in mirrors:
                        found.append(f"{script.name}: {line.strip()}")
    assert found == []


def test_the_cli_and_web_view_link_the_logs_alerts_link() -> None:
    assert cli.TRAINING_LOG_GROUP == names.TRAINING_JOB_LOG_GROUP
    script = (ROOT / "jobtracker_cli" / "web" / "job.js").read_text()
    assert f'const LOG_GROUP = "{names.TRAINING_JOB_LOG_GROUP}";' in script


def test_the_stack_default_alert_kinds_are_the_functions_default() -> None:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    assert context["alert_kinds"] == [kind.value for kind in DEFAULT_KINDS]


def test_the_documented_summary_is_the_stored_summary_field_for_field() -> None:
    # The listing's summary is packed in one place (store/keys.py); the OpenAPI document
    # describes each of its fields, in its order.
    packed = list(json.loads(pack_summary({})))
    summary = openapi_document()["components"]["schemas"]["JobSummary"]
    # What the listings add when they answer (attention), then what only a running job's
    # summary carries (its rate) and what only the summaries of jobs in flight carry
    # (keys.IN_FLIGHT_FIELDS): neither is required.
    assert summary["required"] == [*packed, "attention"]
    running = {"cost": json.dumps({"cost_usd": 0.5, "cost_is_estimate": True})}
    rate = [field for field in json.loads(pack_summary(running)) if field not in packed]
    assert rate == ["cost_usd_per_hour"]
    assert list(summary["properties"]) == [*packed, "attention", *rate, *IN_FLIGHT_FIELDS]
