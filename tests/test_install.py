"""An install that holds on a fresh machine: bounded dependencies, README commands CI runs literally.

``.ci/run`` runs the README's two set-up commands on a clean clone; these fast checks keep the
pieces it relies on honest: every dependency has a lower and an upper bound (and the installed
versions are inside them), the two commands create and use a virtual environment, ``.ci/run``
extracts exactly them, and the ``slow`` marker is used as the README says.
"""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from kommunebench import pipeline

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

REQUIREMENTS = [
    *PYPROJECT["project"]["dependencies"],
    *(r for extra in PYPROJECT["project"]["optional-dependencies"].values() for r in extra),
]


@pytest.mark.parametrize("text", REQUIREMENTS)
def test_every_dependency_has_a_lower_and_an_upper_bound(text):
    req = Requirement(text)
    operators = {spec.operator for spec in req.specifier}
    assert operators & {">=", ">", "~=", "=="}, f"{text}: no lower bound"
    assert operators & {"<", "<=", "~=", "=="}, f"{text}: no upper bound (a new major release could break installs)"
    if req.marker is not None and not req.marker.evaluate():
        return
    try:
        installed = version(req.name)
    except PackageNotFoundError:
        pytest.skip(f"{req.name} is not installed here")
    assert req.specifier.contains(installed, prereleases=True), f"installed {req.name} {installed} is outside {text}"


def _readme_command(name: str) -> str:
    match = re.search(rf"^<!-- setup:{name} -->\n```bash\n(.*?)\n```$", README, flags=re.M | re.S)
    assert match, f"README.md: no ```bash block right after <!-- setup:{name} -->"
    return match.group(1)


@pytest.mark.parametrize(("name", "runs"), [("demo", "kommunebench demo"), ("test", "python -m pytest")])
def test_the_readme_commands_create_and_use_a_virtual_environment(name, runs):
    command = _readme_command(name)
    assert "\n" not in command, f"the {name} command is one line: {command!r}"
    assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && python -m pip install "), command
    assert command.endswith(f"&& {runs}"), command


def test_ci_runs_exactly_the_readme_commands():
    function = re.search(r"^readme_command\(\) \{\n.*?^\}$", CI, flags=re.M | re.S)
    assert function, ".ci/run has no readme_command() function"
    for name in ("demo", "test"):
        script = f"{function.group(0)}\nreadme_command {name}"
        out = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        assert out.strip() == _readme_command(name)
    for check in ("ruff check src tests", "ruff format --check src tests", "mypy"):
        assert re.search(rf"^[^#]*\b{re.escape(check)}( |$)", CI, flags=re.M), f".ci/run does not run {check!r}"
    assert "set -euo pipefail" in CI


def test_slow_tests_are_left_out_by_default_as_the_readme_says():
    options = PYPROJECT["tool"]["pytest"]["ini_options"]
    assert "--strict-markers" in options["addopts"]
    assert " ".join(options["addopts"]).endswith("-m not slow")
    assert {m.split(":")[0] for m in options["markers"]} == {"slow", "browser"}
    assert "-m 'not slow'" in README and "python -m pytest -m slow" in README


def _is_slow(node: ast.FunctionDef) -> bool:
    return any("pytest.mark.slow" in ast.unparse(d) for d in node.decorator_list)


def _module_is_slow(tree: ast.Module) -> bool:
    return any(
        isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in n.targets)
        and "pytest.mark.slow" in ast.unparse(n.value)
        for n in tree.body
    )


def test_every_test_file_keeps_a_test_in_the_default_run():
    """Marking tests slow must not take a component out of the default run."""
    slow, everything_slow = 0, []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tests = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
        slow += sum(map(_is_slow, tests))
        if tests and (_module_is_slow(tree) or all(map(_is_slow, tests))):
            everything_slow.append(path.name)
    assert not everything_slow, f"every test of these files is marked slow: {everything_slow}"
    assert slow, "the README documents a slow marker, but no test carries it"


def test_package_data_ships_every_file_the_code_reads():
    """Every non-Python file in the package is matched by ``[tool.setuptools.package-data]`` (so a
    built wheel carries it: the demo's published 2022 list included), and the installed package
    finds the extract through ``importlib.resources``."""
    root = ROOT / "src" / "kommunebench"
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["kommunebench"]
    shipped = {p for pattern in patterns for p in root.glob(pattern) if p.is_file()}
    data = {
        p for p in root.rglob("*") if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    }
    assert data - shipped == set(), "add these to package-data in pyproject.toml"
    extract = resources.files("kommunebench.published.data").joinpath("Y30R21_2022QMAT04.jsonl")
    assert extract.is_file() and pipeline.published.shipped_extract().name == "Y30R21_2022QMAT04.jsonl"
    lines = [line for line in extract.read_text("utf-8").splitlines() if line.strip()]
    assert len(lines) == 98 * 4
