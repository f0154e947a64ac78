"""The house enforces itself: the import graph follows the rule table of docs/architecture.md.

The rule table in ``docs/architecture.md`` (the markdown table with the columns
``package | does | may import``) is the data: this test parses it, computes the import graph
between the top-level units of ``src/kommunebench`` from the source with ``ast`` and fails on
any import the table does not allow and on any cycle between units.

A *unit* is a subpackage (``data/``, ``model/`` …), a top-level module (``errors.py``,
``settings.py``, ``pipeline.py``), ``cli`` (``cli.py`` and every ``cli_*.py`` together) or
``__init__`` (the package's own ``__init__.py``). Every module imports the package root when it
imports anything of ours, so importing the root (``from kommunebench import __version__``) is
allowed from every unit; the root itself may import only what its row says.

The same file checks the size rules of the house: no module over 400 lines, no function over
60 lines at the edges (``cli*.py``, ``api/``, ``web/``) and no imports inside function bodies there.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "kommunebench"
DOCS = ROOT / "docs" / "architecture.md"

PACKAGE_NAME = "kommunebench"
ROOT_UNIT = "__init__"  # the package's own __init__.py
MAX_MODULE_LINES = 400
MAX_EDGE_FUNCTION_LINES = 60
HEADER = ("package", "does", "may import")


# --- the rule table -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    unit: str
    may_import: frozenset[str]
    planned: bool


def unit_name(token: str) -> str:
    """``errors.py`` → ``errors``, ``data/`` → ``data``, ``cli_web.py`` → ``cli``, ``__init__.py`` → ``__init__``."""
    name = token.strip().strip("`").rstrip("/")
    name = name.removeprefix(f"{PACKAGE_NAME}/").removesuffix(".py")
    if name == "cli" or name.startswith("cli_"):
        return "cli"
    return name


def parse_rules(markdown: str) -> dict[str, Rule]:
    """The rows of the ``package | does | may import`` table of ``markdown``, by unit.

    The package cell names the unit in its first ``code`` span and may say ``(planned)``; the
    may-import cell lists the allowed units as ``code`` spans, or says ``nothing``.
    """
    rules: dict[str, Rule] = {}
    in_table = False
    for lineno, line in enumerate(markdown.splitlines(), start=1):
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else None
        if cells is None:
            in_table = False
            continue
        if tuple(c.lower() for c in cells) == HEADER:
            in_table = True
            continue
        if not in_table or set("".join(cells)) <= set("-: "):
            continue
        assert len(cells) == 3, f"rule table line {lineno}: expected 3 cells, got {len(cells)}: {line!r}"
        package, _, may_import = cells
        names = re.findall(r"`([^`]+)`", package)
        assert names, f"rule table line {lineno}: the package cell names no `unit`: {package!r}"
        allowed = {unit_name(t) for t in re.findall(r"`([^`]+)`", may_import)}
        assert allowed or "nothing" in may_import.lower(), (
            f"rule table line {lineno}: the may-import cell lists no `unit` and does not say 'nothing': {may_import!r}"
        )
        unit = unit_name(names[0])
        assert unit not in rules, f"rule table line {lineno}: unit {unit!r} has two rows"
        rules[unit] = Rule(unit, frozenset(allowed - {unit}), "(planned)" in package.lower())
    assert rules, "no table with the columns 'package | does | may import' found"
    unknown = {a for r in rules.values() for a in r.may_import} - set(rules)
    assert not unknown, f"the rule table allows imports of units it has no row for: {sorted(unknown)}"
    return rules


# --- the import graph -----------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    source: str  # importing unit
    target: str  # imported unit
    file: str  # path of the importing file, relative to the package's parent
    line: int


def unit_of_file(path: Path, package: Path) -> str:
    rel = path.relative_to(package)
    return ROOT_UNIT if rel == Path("__init__.py") else unit_name(rel.parts[0])


def _module_parts(path: Path, package: Path) -> list[str]:
    """``.../kommunebench/data/load.py`` → ``["kommunebench", "data", "load"]`` (a package: its name)."""
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _unit_of_module(parts: list[str], package: Path) -> str | None:
    """The unit of the dotted module ``parts``; None if it is not ours."""
    if not parts or parts[0] != package.name:
        return None
    if len(parts) == 1:
        return ROOT_UNIT
    return unit_name(parts[1])


def _is_unit(name: str, package: Path) -> bool:
    return (package / name).is_dir() or (package / f"{name}.py").is_file()


def _targets(node: ast.Import | ast.ImportFrom, path: Path, package: Path) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            unit = _unit_of_module(alias.name.split("."), package)
            if unit is not None:
                yield unit
        return
    if node.level:  # relative: resolve against the importing module's package
        here = _module_parts(path, package)
        base = here if path.name == "__init__.py" else here[:-1]
        base = base[: len(base) - (node.level - 1)]
    else:
        base = []
    parts = base + (node.module.split(".") if node.module else [])
    if parts == [package.name]:  # from kommunebench import settings, __version__
        for alias in node.names:
            yield unit_name(alias.name) if _is_unit(alias.name, package) else ROOT_UNIT
        return
    unit = _unit_of_module(parts, package)
    if unit is not None:
        yield unit


def import_graph(package: Path) -> list[Import]:
    """Every import between units of ``package`` (all import statements, also inside functions)."""
    edges = []
    for path in sorted(package.rglob("*.py")):
        source = unit_of_file(path, package)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                rel = path.relative_to(package.parent).as_posix()
                edges.extend(
                    Import(source, target, rel, node.lineno)
                    for target in dict.fromkeys(_targets(node, path, package))
                    if target != source
                )
    return edges


def units_of(package: Path) -> set[str]:
    return {unit_of_file(p, package) for p in package.rglob("*.py")}


# --- the checker ----------------------------------------------------------------------------


def _cycles(imports: Iterable[Import]) -> list[list[str]]:
    """The strongly connected components with more than one unit (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.source, set()).add(imp.target)
        graph.setdefault(imp.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return components


def check(imports: Iterable[Import], rules: dict[str, Rule]) -> list[str]:
    """Every problem of ``imports`` under ``rules``: unknown units, forbidden imports, cycles."""
    imports = list(imports)
    problems = []
    for imp in imports:
        if imp.source not in rules:
            problems.append(f"{imp.file}:{imp.line}: unit {imp.source!r} has no row in the rule table")
        elif imp.target != ROOT_UNIT and imp.target not in rules[imp.source].may_import:
            allowed = ", ".join(sorted(rules[imp.source].may_import)) or "nothing of ours"
            problems.append(
                f"{imp.file}:{imp.line}: {imp.source} → {imp.target} is not allowed "
                f"({imp.source} may import: {allowed})"
            )
    for component in _cycles(imports):
        members = set(component)
        where = "; ".join(
            f"{i.source} → {i.target} at {i.file}:{i.line}" for i in imports if {i.source, i.target} <= members
        )
        problems.append(f"import cycle between {', '.join(component)}: {where}")
    return problems


def _report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n  " + "\n  ".join(problems)


# --- the real tree --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rules() -> dict[str, Rule]:
    return parse_rules(DOCS.read_text(encoding="utf-8"))


def test_the_rule_table_describes_the_tree(rules):
    units = units_of(PACKAGE)
    missing = sorted(units - set(rules))
    assert not missing, f"units in src/kommunebench without a row in docs/architecture.md: {missing}"
    absent = sorted(u for u, r in rules.items() if not r.planned and u not in units)
    assert not absent, f"rows of docs/architecture.md for units that do not exist (mark them '(planned)'): {absent}"
    built = sorted(u for u, r in rules.items() if r.planned and u in units)
    assert not built, f"units marked '(planned)' in docs/architecture.md that exist now (drop the mark): {built}"


def test_imports_follow_the_rule_table_and_have_no_cycles(rules):
    problems = check(import_graph(PACKAGE), rules)
    assert not problems, _report(problems)


# --- the checker on a tiny synthetic tree ---------------------------------------------------

TINY_RULES = """
| package | does | may import |
|---|---|---|
| `__init__.py` | the package root | `errors` |
| `errors.py` | the exceptions | nothing of ours |
| `data/` | input | `errors` |
| `report/` | output | `errors`, `data/` |
| `cli` (`cli.py`, `cli_*.py`) | the edge | `errors`, `data`, `report` |
| `kpi/` (planned) | later | `data` |
"""

CLEAN = {
    "__init__.py": "from kommunebench.errors import Oops\n",
    "errors.py": "class Oops(Exception):\n    pass\n",
    "data/__init__.py": "from kommunebench.errors import Oops\n",
    "data/load.py": "from .. import errors\nfrom .deep import x\n",
    "data/deep/x.py": "from ...errors import Oops\n",
    "report/__init__.py": "import kommunebench.data.load\nfrom kommunebench import __version__\n",
    "cli.py": "from kommunebench import data, report\n",
    "cli_web.py": "def serve():\n    from kommunebench.report import write\n",
}


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    package = tmp_path / PACKAGE_NAME
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    return package


def test_the_checker_passes_a_clean_graph(tmp_path):
    package = _tree(tmp_path, CLEAN)
    graph = import_graph(package)
    assert {(i.source, i.target) for i in graph} == {
        ("__init__", "errors"), ("data", "errors"), ("report", "data"), ("report", "__init__"),
        ("cli", "data"), ("cli", "report"),
    }  # fmt: skip
    assert check(graph, parse_rules(TINY_RULES)) == []


@pytest.mark.parametrize(
    "statement",
    [
        "from kommunebench.report import write",
        "import kommunebench.report.html",
        "from kommunebench import report",
        "from ..report import write",
        "def later():\n    from kommunebench.report import write",  # inside a function body too
    ],
)
def test_the_checker_fails_on_an_upward_import(tmp_path, statement):
    package = _tree(tmp_path, {**CLEAN, "data/load.py": f"import os\n\n{statement}\n"})
    problems = check(import_graph(package), parse_rules(TINY_RULES))
    line = 4 if statement.startswith("def") else 3
    assert any(p.startswith(f"kommunebench/data/load.py:{line}: data → report is not allowed") for p in problems), (
        problems
    )


def test_the_checker_fails_on_a_cycle_even_if_the_table_allowed_both_ways(tmp_path):
    lax = TINY_RULES.replace("| input | `errors` |", "| input | `errors`, `report` |")
    package = _tree(tmp_path, {**CLEAN, "data/load.py": "from kommunebench.report import write\n"})
    problems = check(import_graph(package), parse_rules(lax))
    assert len(problems) == 1 and problems[0].startswith("import cycle between data, report:"), problems
    assert "kommunebench/data/load.py:1" in problems[0] and "kommunebench/report/__init__.py:1" in problems[0]


def test_the_checker_fails_on_a_unit_without_a_row(tmp_path):
    package = _tree(tmp_path, {**CLEAN, "extra.py": "from kommunebench import data\n"})
    problems = check(import_graph(package), parse_rules(TINY_RULES))
    assert problems == ["kommunebench/extra.py:1: unit 'extra' has no row in the rule table"]


def test_the_rule_table_parser():
    rules = parse_rules(TINY_RULES)
    assert rules["errors"].may_import == frozenset()
    assert rules["report"].may_import == {"errors", "data"}
    assert rules["cli"].may_import == {"errors", "data", "report"}
    assert rules["kpi"].planned and not rules["data"].planned
    with pytest.raises(AssertionError, match="no row for"):
        parse_rules(TINY_RULES + "| `model/` | fits | `engines` |\n")


# --- size and shape of the modules ----------------------------------------------------------


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _edge_modules() -> list[Path]:
    return [
        p for p in _modules() if unit_of_file(p, PACKAGE) == "cli" or p.relative_to(PACKAGE).parts[0] in ("api", "web")
    ]


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_edges_exist():
    edges = {unit_of_file(p, PACKAGE) for p in _edge_modules()}
    assert {"cli", "api", "web"} <= edges, edges


def test_no_module_is_over_400_lines():
    sizes = {_rel(p): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules()}
    over = [f"{name}: {n} lines" for name, n in sizes.items() if n > MAX_MODULE_LINES]
    assert not over, f"modules over {MAX_MODULE_LINES} lines (split them):\n  " + "\n  ".join(over)


def test_no_function_at_the_edges_is_over_60_lines():
    long = []
    for path in _edge_modules():
        for fn in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            n = fn.end_lineno - fn.lineno + 1
            if n > MAX_EDGE_FUNCTION_LINES:
                long.append(f"{_rel(path)}:{fn.lineno}: {fn.name}() has {n} lines")
    assert not long, (
        f"functions over {MAX_EDGE_FUNCTION_LINES} lines in cli*.py, api/, web/ "
        "(the edges parse, call and print; move the work into a stage or the pipeline):\n  " + "\n  ".join(long)
    )


def test_no_imports_inside_function_bodies_at_the_edges():
    found = []
    for path in _edge_modules():
        for fn in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.append(f"{_rel(path)}:{node.lineno}: import inside {fn.name}()")
    found = sorted(set(found))
    assert not found, (
        "imports inside function bodies in cli*.py, api/, web/ (import at module level):\n  " + "\n  ".join(found)
    )


# Libraries one command or output needs, never every start of the command line (docs/architecture.md,
# "Start-up"): the API (FastAPI) only for `serve`, fpdf only for the PDF report, scipy.stats nowhere.
_NOT_AT_START = (
    "fastapi",
    "fpdf",
    "scipy.stats",
    "scipy.optimize",
    "openpyxl",
    "docx",
    "kommunebench.api",
    "kommunebench.report.pdf",
)


def test_the_command_line_starts_without_the_heavy_libraries():
    import subprocess
    import sys

    probe = f"import sys, kommunebench.cli\nprint(' '.join(m for m in {_NOT_AT_START!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = done.stdout.split()
    assert not loaded, f"importing kommunebench.cli loads {loaded}: import them where they are used"
