"""Cold start and asset size, measured on the assets exactly as the stack bundles them.

Each handler is imported in a fresh interpreter whose sys.path is what Lambda's is: the
bundled asset directory (infra.bundling.bundle, as the CDK stack's local bundling builds
it), then boto3 and botocore with their dependencies (the runtime's own copies; here, the
venv's). The environment is the stack's (service, namespace, table, alert topic) plus what
Lambda sets (LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, ...), with tracing on: the X-Ray
SDK sees it is in Lambda and Powertools patches botocore, as they do there.
`import boto3` runs the same way, without an asset. Runs alternate between the modules,
so that load on the machine falls on all of them alike.

The asset ships bytecode for the runtime's Python (3.12, compiled by infra/bytecode.mjs) and
/var/task is read-only, so Lambda loads the shipped .pyc files and writes none. This
machine's Python cannot load 3.12 bytecode, so the measured copy gets the same bytecode for
this Python, made the same way (unchecked hash), and nothing is written during the runs:
- `import_ratio`: the asset as shipped, with its bytecode; boto3 compiled, as in the runtime;
- `import_ratio_from_source`: the same asset without bytecode, compiled at every import:
  what each cold start would pay if the asset shipped source only.
"""

from __future__ import annotations

import compileall
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from jobtracker.alert_kinds import DEFAULT_KINDS
from jobtracker.names import METRICS_NAMESPACE, SERVICE_NAME

HANDLERS = ("ingest", "api", "reconcile")
# What the Lambda Python runtime provides besides the standard library.
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six.py")
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/jobtracker",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
    # What infra/functions.py and the function constructs set.
    "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
    "LOG_LEVEL": "INFO",
    "TABLE_NAME": "jobtracker-JobsTable",
    "HOME_ACCOUNT": "123456789012",
    "HOME_REGION": "us-east-1",
    "ALERT_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:jobtracker-alerts",
    "ALERT_KINDS": ",".join(kind.value for kind in DEFAULT_KINDS),
    "TOKEN_KEY_SECRET_ARN": (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:jobtracker-page-token-AbCdEf"
    ),
}


def build_assets(workdir: Path) -> dict[str, Path]:
    from infra.bundling import bundle

    assets = {}
    for package in HANDLERS:
        if not (Path("functions") / package / "handler.py").is_file():
            continue
        assets[package] = workdir / package
        bundle(package, assets[package])
    return assets


def asset_bytes(assets: dict[str, Path]) -> dict[str, int]:
    from infra.asset_sizes import zipped_size

    return {package: zipped_size(directory) for package, directory in assets.items()}


def runtime_site(workdir: Path) -> Path:
    """A directory holding only the runtime's SDK, linked from the venv."""
    site = Path(sysconfig.get_paths()["purelib"])
    runtime = workdir / "runtime"
    runtime.mkdir(exist_ok=True)
    for name in RUNTIME_MODULES:
        if not (runtime / name).exists():
            (runtime / name).symlink_to(site / name)
    # A linked package finds its bytecode in the venv; a single-file module (six.py)
    # looks for it beside the link, so it gets it there, as the runtime ships it compiled.
    for module in runtime.glob("*.py"):
        py_compile.compile(str(module), doraise=True)
    return runtime


# Where a handler's import time goes: the self time (-X importtime) of every module,
# summed per group, the first matching prefix winning. The runtime SDK's share is what
# `import boto3` pays too.
BREAKDOWN = (
    ("runtime SDK", ("botocore", "boto3", "urllib3", "dateutil", "jmespath", "s3transfer", "six")),
    ("pynamodb", ("pynamodb",)),
    ("powertools event_handler", ("aws_lambda_powertools.event_handler",)),
    ("powertools data_classes", ("aws_lambda_powertools.utilities.data_classes",)),
    ("powertools", ("aws_lambda_powertools",)),
    ("x-ray sdk", ("aws_xray_sdk", "wrapt")),
    ("typing_extensions", ("typing_extensions",)),
    ("jobtracker", ("jobtracker", "ingest", "api", "reconcile")),
)


def _run(module: str, path: list[str], env: dict[str, str], *flags: str) -> str:
    code = (
        f"import sys, time; sys.path[:] = {path!r}; started = time.perf_counter(); "
        f"import {module}; print(time.perf_counter() - started)"
    )
    done = subprocess.run(
        [sys.executable, "-S", *flags, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"importing {module} failed:\n{done.stderr[-2000:]}")
    return done.stdout if not flags else done.stderr


def import_seconds(module: str, path: list[str], env: dict[str, str]) -> float:
    return float(_run(module, path, env).strip().splitlines()[-1])


def import_breakdown(module: str, path: list[str], env: dict[str, str]) -> dict[str, float]:
    """Milliseconds of self time per BREAKDOWN group (the rest: the standard library)."""
    groups: dict[str, float] = {name: 0.0 for name, _ in BREAKDOWN}
    groups["standard library"] = 0.0
    for line in _run(module, path, env, "-X", "importtime").splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        name, self_ms = parts[2].strip(), int(parts[0]) / 1000
        group = next(
            (
                label
                for label, prefixes in BREAKDOWN
                if any(name == p or name.startswith(p + ".") for p in prefixes)
            ),
            "standard library",
        )
        groups[group] += self_ms
    return groups


def bytecode_for_this_python(directory: Path) -> None:
    """What infra/bytecode.mjs writes for the runtime's Python, for the Python running here."""
    compileall.compile_dir(
        directory,
        ddir="/var/task",
        quiet=1,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


def without_bytecode(directory: Path) -> None:
    for cache in list(directory.rglob("__pycache__")):
        shutil.rmtree(cache)


def import_medians(
    assets: dict[str, Path], runtime: Path, runs: int, shipped: bool
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Median seconds of each import, and where the handlers' time goes (ms, medians).

    shipped: the asset with its bytecode (made for this Python); else source only.
    """
    stdlib = [p for p in sys.path[1:] if p and "site-packages" not in p and Path(p).exists()]
    # Read-only /var/task: nothing is written, whatever is missing is compiled every time.
    base_env = {"PATH": os.environ.get("PATH", "/usr/bin"), **LAMBDA_ENV}
    base_env["PYTHONDONTWRITEBYTECODE"] = "1"
    copies = {}
    for package, directory in assets.items():
        copy = Path(tempfile.mkdtemp(prefix=f"{package}-", dir=directory.parent))
        shutil.copytree(directory, copy, dirs_exist_ok=True)
        (bytecode_for_this_python if shipped else without_bytecode)(copy)
        copies[package] = copy
    jobs: dict[str, Callable[[], float]] = {
        "boto3": lambda: import_seconds("boto3", [str(runtime), *stdlib], base_env)
    }
    breakdowns: dict[str, Callable[[], dict[str, float]]] = {
        "boto3": lambda: import_breakdown("boto3", [str(runtime), *stdlib], base_env)
    }
    for package, copy in copies.items():
        env = {
            **base_env,
            "LAMBDA_TASK_ROOT": str(copy),
            "AWS_LAMBDA_FUNCTION_NAME": f"jobtracker-{package}",
            "_HANDLER": f"{package}.handler.handler",
        }
        path = [str(copy), str(runtime), *stdlib]
        jobs[package] = partial(import_seconds, f"{package}.handler", path, env)
        breakdowns[package] = partial(import_breakdown, f"{package}.handler", path, env)
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    parts: dict[str, list[dict[str, float]]] = {name: [] for name in breakdowns}
    for _ in range(runs):
        for name, job in jobs.items():
            samples[name].append(job())
        for name, breakdown in breakdowns.items():
            parts[name].append(breakdown())
    medians = {name: statistics.median(values) for name, values in samples.items()}
    where = {
        name: {
            group: round(statistics.median(run[group] for run in runs_of), 1)
            for group in runs_of[0]
        }
        for name, runs_of in parts.items()
        if runs_of
    }
    return medians, where


def ratios(medians: dict[str, float]) -> dict[str, float]:
    boto3 = medians["boto3"]
    return {name: round(value / boto3, 2) for name, value in medians.items() if name != "boto3"}
