"""Run-time code never imports the tests: the tests import it, not the other way round.

For the packages, import-linter's contract says so (pyproject.toml, `make lint`). The
scripts at the top of the tree (app.py, the CDK entry point) are no package, which
import-linter cannot read: each of their import statements (at the top or inside a
function) is held against `tests` here. What run-time code shares with the tests lives
in `synthetic/`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of_tests(source: str) -> list[str]:
    """The modules of `tests` that a module's source imports, with their line numbers."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.extend(
            f"line {node.lineno}: {name}"
            for name in names
            if name == "tests" or name.startswith("tests.")
        )
    return found


def test_no_top_level_script_imports_the_tests() -> None:
    # Given the scripts at the top of the tree
    scripts = sorted(ROOT.glob("*.py"))
    assert ROOT / "app.py" in scripts

    # When their import statements are read
    offenders = {
        script.name: found for script in scripts if (found := imports_of_tests(script.read_text()))
    }

    # Then none names the tests
    assert not offenders, "a script imports the tests:\n" + "\n".join(
        f"  {script}, {where}" for script, found in offenders.items() for where in found
    )


def test_every_form_of_importing_the_tests_is_seen() -> None:
    # Given the forms an import of the tests can take, and look-alikes that are not
    source = "\n".join(
        [
            "import tests",
            "import os, tests.fixtures.training_jobs as jobs",
            "from tests.fixtures.faults import Fault",
            "from tests import fixtures",
            "def late():",
            "    from tests.fixtures import sagemaker",
            "import testsuite",
            "from testing.tests import case",
            "from . import tests",
            "from .tests import case",
        ]
    )

    # When its imports are read
    found = imports_of_tests(source)

    # Then exactly the imports of the tests are reported
    assert found == [
        "line 1: tests",
        "line 2: tests.fixtures.training_jobs",
        "line 3: tests.fixtures.faults",
        "line 4: tests",
        "line 6: tests.fixtures",
    ]
