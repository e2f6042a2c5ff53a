"""The assets ship bytecode for the runtime's Python, and that bytecode is what the runtime loads.

This machine's Python is 3.11 and the functions run on 3.12, so the bundler compiles with
Pyodide (CPython 3.12 for WebAssembly). These tests read the .pyc headers, then import each
handler in that 3.12 with every .py of the asset replaced by a line that raises: the import
can only succeed from the shipped bytecode.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from jobtracker.pipeline import parse_state_change

from infra.asset_sizes import function_assets
from infra.bundling import (
    BYTECODE_COMPILER,
    NOT_SHIPPED,
    PYTHON_VERSION,
    ROOT,
    compile_bytecode,
)
from tests.fixtures import python312
from tests.fixtures.python312 import runtime_sdk_mounts

pytestmark = pytest.mark.infra

PACKAGES = ("ingest", "api", "reconcile", "watch", "prices")
# importlib.util.MAGIC_NUMBER of CPython 3.12 (3531), and PEP 552's flags of a .pyc that
# the interpreter uses without checking its source.
MAGIC_3_12 = (3531).to_bytes(2, "little") + b"\r\n"
UNCHECKED_HASH = 0b01
CACHE_TAG = "cpython-" + PYTHON_VERSION.replace(".", "")
SAMPLE = ROOT / "tests" / "fixtures" / "training-job-completed.docs-sample.json"
LAMBDA_ENV = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "AWS_LAMBDA_FUNCTION_NAME": "jobtracker",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_SERVICE_NAME": "jobtracker",
    "TABLE_NAME": "jobtracker-jobs",
    "HOME_ACCOUNT": "123456789012",
    "HOME_REGION": "us-east-1",
    "ALERT_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:jobtracker-alerts",
    "TOKEN_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-AbCdEf",
    "PRICE_REGIONS": "us-east-1",
}


@pytest.fixture(scope="module")
def assets(synthesized):
    return {
        handler.split(".")[0]: directory
        for handler, directory in function_assets(synthesized.outdir).items()
    }


def sources_made_unreadable(asset: Path, copy: Path) -> Path:
    """A copy of the asset whose every .py raises if the interpreter ever runs it."""
    shutil.copytree(asset, copy)
    for module in copy.rglob("*.py"):
        module.write_text(
            "raise ImportError('compiled from source, not from the asset bytecode')\n"
        )
    return copy


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_ships_unchecked_bytecode_for_the_runtime(assets, package):
    modules = list(assets[package].rglob("*.py"))
    assert len(modules) > 100
    for module in modules:
        compiled = module.parent / "__pycache__" / f"{module.stem}.{CACHE_TAG}.pyc"
        header = compiled.read_bytes()[:8]
        assert header[:4] == MAGIC_3_12, compiled
        assert int.from_bytes(header[4:], "little") == UNCHECKED_HASH, compiled
    tags = {path.name.split(".")[-2] for path in assets[package].rglob("*.pyc")}
    assert tags == {CACHE_TAG}


@pytest.mark.parametrize("package", PACKAGES)
def test_handler_imports_from_its_bytecode_on_python_3_12(assets, package, tmp_path):
    task = sources_made_unreadable(assets[package], tmp_path / "task")
    code = f"""
import json
import {package}.handler as entry

from_asset = [
    name for name, module in list(sys.modules.items())
    if (getattr(module, "__file__", None) or "").startswith("/var/task/")
]
json.dumps({{
    "version": "%d.%d" % sys.version_info[:2],
    "cached": entry.__cached__,
    "handler": callable(entry.handler),
    "from_asset": len(from_asset),
}})
"""
    mounts = {"/var/task": task, **runtime_sdk_mounts(tmp_path)}
    loaded = json.loads(python312.run(code, mounts, LAMBDA_ENV))
    assert loaded.pop("from_asset") > 50  # jobtracker, PynamoDB, Powertools, the X-Ray SDK
    assert loaded == {
        "version": PYTHON_VERSION,
        "cached": f"/var/task/{package}/__pycache__/handler.{CACHE_TAG}.pyc",
        "handler": True,
    }


def test_bytecode_normalises_an_event_as_the_source_does(assets, tmp_path):
    task = sources_made_unreadable(assets["ingest"], tmp_path / "task")
    (tmp_path / "event").mkdir()
    shutil.copy(SAMPLE, tmp_path / "event" / "event.json")
    code = """
import json
from jobtracker.pipeline import parse_state_change

snapshot = parse_state_change(open("/event/event.json").read()).snapshot
json.dumps({"order_key": snapshot.order_key, "record": snapshot.record}, sort_keys=True)
"""
    mounts = {"/var/task": task, "/event": tmp_path / "event", **runtime_sdk_mounts(tmp_path)}
    on_3_12 = json.loads(python312.run(code, mounts, LAMBDA_ENV))
    here = parse_state_change(SAMPLE.read_text()).snapshot
    assert on_3_12 == json.loads(
        json.dumps({"order_key": here.order_key, "record": here.record}, sort_keys=True)
    )


def test_the_compiler_refuses_another_python_version(tmp_path):
    (tmp_path / "module.py").write_text("VALUE = 1\n")
    done = subprocess.run(
        ["node", str(BYTECODE_COMPILER), str(tmp_path), "3.13"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert f"this compiler is Python {PYTHON_VERSION}, not 3.13" in done.stderr
    assert not list(tmp_path.rglob("*.pyc"))


def test_the_same_source_compiles_to_the_same_bytes(tmp_path):
    for build in ("first", "second"):
        shutil.copytree(ROOT / "functions" / "jobtracker", tmp_path / build, ignore=NOT_SHIPPED)
        compile_bytecode(tmp_path / build)
    first = {
        p.relative_to(tmp_path / "first"): p.read_bytes()
        for p in (tmp_path / "first").rglob("*.pyc")
    }
    second = {
        p.relative_to(tmp_path / "second"): p.read_bytes()
        for p in (tmp_path / "second").rglob("*.pyc")
    }
    assert first and first == second
