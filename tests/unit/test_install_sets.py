"""The local stack's packages are enough to run it; every package is pinned in one place.

`make local` installs requirements-local.txt (the functions' requirements, boto3, the
emulator) and the CLI; the tools of the tests, synth and deploy come from
requirements-dev.txt on first use. So nothing that `make local` or `make soak` runs, no
function and not the CLI may import a package that only requirements-dev.txt brings in.

Each module of local/, functions/ and jobtracker_cli/ is parsed, and its imports (at the
top, inside a function, or through `importlib.import_module("...")`, but not under
`if TYPE_CHECKING:`) are followed through the project's own modules. Every other package
imported is mapped to the distribution that installed it, which must be one that
requirements-local.txt pulls in, directly or through what it requires.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
# What `make local` puts on the path (the Makefile's PYTHONPATH).
SEARCH_PATH = (ROOT / "functions", ROOT)
RUN_BY_THE_LOCAL_SET = ("local", "functions", "jobtracker_cli")
# Modules of local/ that only the dev tools run; still checked if a local one imports them.
DEV_ONLY = {
    "local.browser": "drives Chromium through Playwright for the web view's tests and bench",
}
LOCAL_REQUIREMENTS = ROOT / "requirements-local.txt"
REQUIREMENT_FILES = ("requirements.txt", "requirements-local.txt", "requirements-dev.txt")


def pinned_lines(path: Path) -> Iterator[tuple[Path, str]]:
    """(file, line) of every requirement in path and the files it includes with -r."""
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            yield from pinned_lines(path.parent / line.removeprefix("-r ").strip())
        elif line:
            yield path, line


def requirements(path: Path) -> list[Requirement]:
    return [Requirement(line) for _, line in pinned_lines(path)]


def installed_closure(roots: Iterable[Requirement]) -> set[str]:
    """The installed distributions that roots need, following each one's requirements."""
    found: set[str] = set()
    pending = [(canonicalize_name(r.name), frozenset(r.extras)) for r in roots]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        found.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            raise AssertionError(f"{name} is not installed: `make install` adds it") from None
        for text in requires:
            needed = Requirement(text)
            if needed.marker and not any(
                needed.marker.evaluate({"extra": extra}) for extra in {"", *extras}
            ):
                continue
            pending.append((canonicalize_name(needed.name), frozenset(needed.extras)))
    return found


def providers() -> dict[str, set[str]]:
    """Top-level import name -> the installed distributions that provide it."""
    return {
        name: {canonicalize_name(d) for d in distributions}
        for name, distributions in importlib.metadata.packages_distributions().items()
    }


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    line: int
    name: str  # the module imported, absolute
    names: tuple[str, ...] = ()  # of `from name import ...`: perhaps submodules


def module_file(name: str, search_path: Iterable[Path]) -> Path | None:
    parts = name.split(".")
    for base in search_path:
        for candidate in (
            base.joinpath(*parts, "__init__.py"),
            base.joinpath(*parts[:-1], f"{parts[-1]}.py"),
        ):
            if candidate.is_file():
                return candidate
    return None


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_in(module: str, path: Path) -> list[Import]:
    """What module imports when it runs."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(module, node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = tuple(alias.name for alias in node.names)
            found.append(Import(module, node.lineno, base, names))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(Import(module, node.lineno, node.args[0].value))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), filename=str(path)))
    return found


def modules_under(directory: Path, base: Path) -> list[str]:
    names = []
    for path in sorted(directory.rglob("*.py")):
        parts = path.relative_to(base).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def outside_imports(roots: Iterable[str], search_path: Iterable[Path]) -> list[Import]:
    """The imports of packages not in search_path, from roots and the modules they import."""
    search_path = tuple(search_path)
    pending = list(roots)
    done: set[str] = set()
    outside: list[Import] = []
    while pending:
        module = pending.pop()
        if module in done:
            continue
        done.add(module)
        path = module_file(module, search_path)
        if path is None:
            continue
        parts = module.split(".")
        # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
        pending.extend(".".join(parts[:n]) for n in range(1, len(parts)))
        for imported in imports_in(module, path):
            top = imported.name.split(".")[0]
            if module_file(top, search_path) is not None:
                # `from a import b` runs a.b too when that is a module.
                pending.append(imported.name)
                pending.extend(f"{imported.name}.{name}" for name in imported.names)
            elif top not in sys.stdlib_module_names and top != "__future__":
                outside.append(imported)
    return outside


def not_in_set(found: Iterable[Import], allowed: set[str]) -> list[str]:
    """Each import whose package no allowed distribution provides, as a readable line."""
    by_name = providers()
    offenders = []
    for imported in found:
        top = imported.name.split(".")[0]
        installed_by = by_name.get(top, set())
        if not installed_by & allowed:
            source = ", ".join(sorted(installed_by)) or "no installed distribution"
            offenders.append(
                f"{imported.module} line {imported.line}: {imported.name} (from {source})"
            )
    return sorted(set(offenders))


def local_roots() -> list[str]:
    roots = []
    for package in RUN_BY_THE_LOCAL_SET:
        base = ROOT / "functions" if package == "functions" else ROOT
        roots.extend(modules_under(ROOT / package, base))
    return [root for root in roots if root not in DEV_ONLY]


def test_the_local_set_runs_the_local_stack_the_functions_and_the_cli() -> None:
    # Given the distributions that requirements-local.txt installs
    local_set = installed_closure(requirements(LOCAL_REQUIREMENTS))
    assert {"boto3", "moto", "pynamodb", "flask"} <= local_set

    # When every module that the local stack, a function or the CLI runs is followed
    roots = local_roots()
    assert {"local.__main__", "local.soak", "ingest.handler", "jobtracker_cli.main"} <= set(roots)
    offenders = not_in_set(outside_imports(roots, SEARCH_PATH), local_set)

    # Then each package it imports is in that set
    assert not offenders, (
        "imports of packages that only requirements-dev.txt installs (`make local` lacks "
        "them):\n  " + "\n  ".join(offenders)
    )


def test_the_modules_left_out_are_the_dev_tools_own() -> None:
    # Given the modules of local/ that the check above does not start from
    dev_set = installed_closure(requirements(ROOT / "requirements-dev.txt"))
    local_set = installed_closure(requirements(LOCAL_REQUIREMENTS))

    for name in DEV_ONLY:
        # When each one's imports are followed
        found = outside_imports([name], SEARCH_PATH)

        # Then it needs a tool that the local set lacks (else it is no exception), and
        # the dev set has it
        assert module_file(name, SEARCH_PATH), f"{name} is gone: drop it from DEV_ONLY"
        assert not_in_set(found, local_set), f"{name} runs on the local set: check it"
        assert not_in_set(found, dev_set) == []


def test_an_import_of_a_dev_only_package_is_found_wherever_it_hides(tmp_path: Path) -> None:
    # Given a package whose modules import dev tools directly, in a function, through
    # another module of the package, by name, and under TYPE_CHECKING (which never runs)
    package = tmp_path / "stack"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "main.py").write_text(
        "import json\n"
        "from typing import TYPE_CHECKING\n"
        "from . import helpers\n"
        "import boto3\n"
        "if TYPE_CHECKING:\n"
        "    import mypy\n"
        "def later():\n"
        "    import importlib\n"
        "    return importlib.import_module('hypothesis.strategies')\n"
    )
    (package / "helpers.py").write_text("def fixture():\n    from _pytest import fixtures\n")
    (package / "unused.py").write_text("import playwright\n")

    # When the imports are followed from stack.main, against the local set
    local_set = installed_closure(requirements(LOCAL_REQUIREMENTS))
    offenders = not_in_set(outside_imports(["stack.main"], [tmp_path]), local_set)

    # Then the dev tools it reaches are named, and boto3, the stdlib and what it never
    # imports are not
    assert offenders == [
        "stack.helpers line 2: _pytest (from pytest)",
        "stack.main line 9: hypothesis.strategies (from hypothesis)",
    ]


def test_each_package_is_pinned_once_in_one_file() -> None:
    # Given every requirement line of the three files
    lines = [
        (name, line)
        for name in REQUIREMENT_FILES
        for line in (ROOT / name).read_text().splitlines()
        if line.strip() and not line.startswith(("#", "-r "))
    ]

    # When each is read as a requirement
    pinned: dict[str, list[str]] = {}
    for file, line in lines:
        requirement = Requirement(line)
        assert re.fullmatch(r"==[\w.]+", str(requirement.specifier)), f"{file}: {line}"
        pinned.setdefault(canonicalize_name(requirement.name), []).append(file)

    # Then no package is written twice
    assert {name: files for name, files in pinned.items() if len(files) > 1} == {}


def test_each_set_builds_on_the_one_before() -> None:
    # Given the three files, each installed by its own make step
    includes = {
        name: re.findall(r"^-r (\S+)", (ROOT / name).read_text(), re.MULTILINE)
        for name in REQUIREMENT_FILES
    }

    # Then the dev set includes the local set, which includes the functions' own
    assert includes == {
        "requirements.txt": [],
        "requirements-local.txt": ["requirements.txt"],
        "requirements-dev.txt": ["requirements-local.txt"],
    }


def test_a_tool_pin_is_not_one_the_local_set_already_installs() -> None:
    # Given the local set, and the packages requirements-dev.txt pins itself
    local_set = installed_closure(requirements(LOCAL_REQUIREMENTS))
    dev_own = {
        canonicalize_name(Requirement(line).name)
        for file, line in pinned_lines(ROOT / "requirements-dev.txt")
        if file.name == "requirements-dev.txt"
    }

    # Then none of them is in the local set: that set would install it unpinned, and the
    # tools' install would then replace it
    assert dev_own and not dev_own & local_set


def test_the_cli_s_own_dependencies_come_with_the_local_set() -> None:
    # Given the CLI's dependencies, which `pip install --no-deps -e .` leaves out
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}

    # Then the local set installs them
    assert needed <= installed_closure(requirements(LOCAL_REQUIREMENTS))


def test_make_local_installs_the_set_checked_here() -> None:
    # Given the Makefile
    makefile = (ROOT / "Makefile").read_text()

    # Then `make local` and `make soak` need only the local stamp, whose recipe installs
    # requirements-local.txt and the CLI without dependencies
    assert re.search(r"^local: \$\(LOCAL_STAMP\)$", makefile, re.MULTILINE)
    assert re.search(r"^soak: \$\(LOCAL_STAMP\)$", makefile, re.MULTILINE)
    recipe = re.search(r"^\$\(LOCAL_STAMP\):.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe
    assert "-r requirements-local.txt" in recipe.group(1)
    assert "--no-deps -e ." in recipe.group(1)
