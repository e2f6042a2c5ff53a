"""Lambda assets built on this machine: no Docker.

An asset is the function's own package, the domain package and the pinned dependencies
of requirements.txt, installed as wheels for the Lambda platform (arm64, CPython 3.12).
The Lambda runtime already ships boto3 and what it needs, so those are left out: the
asset stays small and uses the runtime's patched SDK. Only shipped code is copied: tests,
the local stack and benchmarks live outside functions/ and never enter an asset.

Every module ships with its bytecode for the runtime's Python, because /var/task is
read-only: without it, each cold start would compile every module it imports, and none of
that work would be kept. This machine's Python is not the runtime's, so the bytecode comes
from Pyodide (CPython 3.12 for WebAssembly, pinned in package.json), see infra/bytecode.mjs.
The .pyc files are "unchecked hash" ones: the runtime uses them without comparing them to
the source, so the zip's timestamps cannot turn them stale.

Both halves are cached under .cache/: the dependency install per requirements hash, the
compiled function code per content hash. Synthesizing again (in tests, or after editing a
handler) costs a copy, not a pip run or a compile.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import jsii
from aws_cdk import BundlingOptions, ILocalBundling
from aws_cdk import aws_lambda as lambda_

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64
PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = "3.12"

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
REQUIREMENTS = ROOT / "requirements.txt"
CACHE_DIR = ROOT / ".cache" / "lambda-dependencies"
CODE_CACHE_DIR = ROOT / ".cache" / "lambda-code"
BYTECODE_COMPILER = ROOT / "infra" / "bytecode.mjs"
PACKAGE_JSON = ROOT / "package.json"
DOMAIN_PACKAGE = "jobtracker"

# In the Lambda Python runtime already: boto3 and its dependencies.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)
NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "test_*.py", "conftest.py")


def function_code(package: str) -> lambda_.Code:
    """The asset of the function whose entry point is functions/<package>/handler.py."""
    return lambda_.Code.from_asset(
        str(FUNCTIONS_DIR),
        asset_hash=asset_hash(package),
        bundling=BundlingOptions(image=RUNTIME.bundling_image, local=LocalBundling(package)),
    )


@jsii.implements(ILocalBundling)
class LocalBundling:
    """Builds the asset in place; it never falls back to Docker."""

    def __init__(self, package: str) -> None:
        self.package = package

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:
        bundle(self.package, Path(output_dir))
        return True


def bundle(package: str, output_dir: Path) -> None:
    shutil.copytree(dependencies(), output_dir, dirs_exist_ok=True)
    shutil.copytree(function_code_compiled(package), output_dir, dirs_exist_ok=True)


def function_code_compiled(package: str) -> Path:
    """The domain package and functions/<package>/, with their bytecode."""

    def build(staging: Path) -> None:
        for shipped in (DOMAIN_PACKAGE, package):
            shutil.copytree(FUNCTIONS_DIR / shipped, staging / shipped, ignore=NOT_SHIPPED)
        compile_bytecode(staging)

    return built_once(CODE_CACHE_DIR / f"{package}-{asset_hash(package)[:24]}", build)


def asset_hash(package: str) -> str:
    """Changes exactly when what goes into the asset (or how it is built) changes."""
    digest = hashlib.sha256(dependencies_key().encode())
    for shipped in (DOMAIN_PACKAGE, package):
        for path in sorted(shipped_files(FUNCTIONS_DIR / shipped)):
            digest.update(str(path.relative_to(FUNCTIONS_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def shipped_files(directory: Path) -> list[Path]:
    return [
        path
        for path in directory.rglob("*")
        if path.is_file() and not NOT_SHIPPED(str(path.parent), path.relative_to(directory).parts)
    ]


def dependencies_key() -> str:
    digest = hashlib.sha256()
    digest.update(REQUIREMENTS.read_bytes())
    digest.update(Path(__file__).read_bytes())  # how the install is made is part of it
    digest.update(f"{PLATFORM} {PYTHON_VERSION}".encode())
    digest.update(BYTECODE_COMPILER.read_bytes())
    digest.update(f"pyodide {pyodide_version()}".encode())
    return digest.hexdigest()[:24]


def pyodide_version() -> str:
    return str(json.loads(PACKAGE_JSON.read_text())["devDependencies"]["pyodide"])


def dependencies() -> Path:
    """requirements.txt installed for the Lambda platform, less what the runtime ships."""

    def build(staging: Path) -> None:
        subprocess.run(
            [
                sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-compile",
                "--platform", PLATFORM,
                "--implementation", "cp",
                "--python-version", PYTHON_VERSION,
                "--only-binary=:all:",
                "--target", str(staging),
                "--requirement", str(REQUIREMENTS),
            ],
            check=True,
        )  # fmt: skip
        remove_runtime_provided(staging)
        compile_bytecode(staging)

    return built_once(CACHE_DIR / dependencies_key(), build)


def built_once(target: Path, build: Callable[[Path], None]) -> Path:
    """target, built by build(staging) the first time and renamed into place when whole."""
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        build(staging)
        staging.rename(target)
    except OSError:
        if not target.is_dir():  # another synthesis finished the same build first
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def compile_bytecode(directory: Path) -> None:
    """__pycache__/<module>.cpython-312.pyc beside every module under directory."""
    if not (ROOT / "node_modules" / "pyodide").is_dir():
        raise RuntimeError(
            "Pyodide, which compiles the assets for the runtime's Python, is not installed: "
            "run `make install` (npm ci installs it from package.json)"
        )
    subprocess.run(
        ["node", str(BYTECODE_COMPILER), str(directory), PYTHON_VERSION], check=True, cwd=ROOT
    )


def remove_runtime_provided(site: Path) -> None:
    for distribution in importlib.metadata.distributions(path=[str(site)]):
        name = distribution.metadata["Name"].lower().replace("_", "-")
        if name not in RUNTIME_PROVIDED:
            continue
        for file in distribution.files or ():
            Path(str(distribution.locate_file(file))).unlink(missing_ok=True)
    # Console scripts are of no use in Lambda; then drop what the removals emptied.
    shutil.rmtree(site / "bin", ignore_errors=True)
    for directory in sorted(site.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
