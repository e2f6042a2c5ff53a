"""What each function asset holds: its handler, the domain package, the pinned
dependencies, and nothing from the runtime, the tests or the local stack."""

import re
from pathlib import Path

import pytest

from infra.asset_sizes import function_assets, zipped_size
from infra.bundling import FUNCTIONS_DIR, REQUIREMENTS

pytestmark = pytest.mark.infra

PACKAGES = ("ingest", "api", "reconcile", "watch", "prices")
# Installed top-level names of the pinned requirements.
IMPORT_NAMES = {
    "aws-lambda-powertools": "aws_lambda_powertools",
    "aws-xray-sdk": "aws_xray_sdk",
    "pynamodb": "pynamodb",
}
NEVER_SHIPPED = ("boto3", "botocore", "s3transfer", "moto", "tests", "local", "bench")
ZIPPED_LIMIT = 15_000_000  # far below Lambda's 50 MB; boto3 alone would add ~15 MB


def pins():
    lines = REQUIREMENTS.read_text().splitlines()
    return dict(
        re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line).groups()
        for line in lines
        if line and not line.startswith("#")
    )


@pytest.fixture(scope="module")
def assets(synthesized):
    return {
        handler.split(".")[0]: directory
        for handler, directory in function_assets(synthesized.outdir).items()
    }


def top_level(directory: Path) -> set[str]:
    return {path.name for path in directory.iterdir()}


def test_one_asset_per_function(assets):
    assert set(assets) == set(PACKAGES)
    assert len(set(assets.values())) == len(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_asset_holds_its_handler_and_the_domain_package(assets, package):
    asset = assets[package]
    assert (asset / package / "handler.py").is_file()
    for source in (FUNCTIONS_DIR / "jobtracker").rglob("*.py"):
        shipped = asset / source.relative_to(FUNCTIONS_DIR)
        assert shipped.read_bytes() == source.read_bytes()
    others = set(PACKAGES) - {package}
    assert not top_level(asset) & others


@pytest.mark.parametrize("package", PACKAGES)
def test_asset_holds_the_pinned_dependencies(assets, package):
    names = top_level(assets[package])
    for requirement, version in pins().items():
        import_name = IMPORT_NAMES[requirement.lower()]
        assert import_name in names
        assert f"{import_name}-{version}.dist-info" in names


@pytest.mark.parametrize("package", PACKAGES)
def test_asset_leaves_out_the_runtime_sdk_and_dev_code(assets, package):
    asset = assets[package]
    names = top_level(asset)
    for name in NEVER_SHIPPED:
        assert not any(n == name or n.startswith(f"{name}-") for n in names), name
    # Bytecode only for the runtime's Python; none of this machine's from functions/.
    assert all(".cpython-312." in path.name for path in asset.rglob("*.pyc"))
    assert not list(asset.rglob("test_*.py"))
    assert not list(asset.rglob("conftest.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_asset_is_built_for_arm64_python_3_12(assets, package):
    extensions = [path.name for path in assets[package].rglob("*.so")]
    assert extensions
    assert all("cpython-312-aarch64-linux-gnu" in name for name in extensions), extensions


@pytest.mark.parametrize("package", PACKAGES)
def test_asset_is_small(assets, package):
    assert zipped_size(assets[package]) < ZIPPED_LIMIT
