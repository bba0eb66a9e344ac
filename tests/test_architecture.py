"""The project's import graph keeps its layers: read from the source with ``ast``, nothing imported.

Layers, lowest first: ``analytics`` (pure core) → ``services`` → ``web`` / ``callbacks`` /
``components`` → ``app`` (see docs/architecture.md). Checked here:

* no import cycle between the project's modules through *module-level* imports (those
  run at import time, so a cycle there breaks depending on which module loads first);
  imports inside functions are checked too, and a cycle through them is listed in
  ``DEFERRED_CYCLES`` until it is broken (a new one fails);
* no private (underscore-prefixed) name imported from another project module: a helper
  used elsewhere is made public with a docstring, or moved to the module that owns it;
* ``analytics`` imports nothing from Dash, Flask or the upper layers, at any level;
* no error class below the web layer carries an HTTP status (``web/errors.STATUS_BY_ERROR``
  maps error types to statuses);
* no module over ~600 lines (``LONG``) unless it is in ``DEFERRED_LONG`` (still to split).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("analytics", "services", "web", "callbacks", "components")
TOP_MODULES = ("app", "config")
CORE_FORBIDDEN = (
    "dash",
    "dash_bootstrap_components",
    "flask",
    "werkzeug",
    "plotly",
    "services",
    "web",
    "callbacks",
    "components",
    "app",
)

#: Cycles through imports inside functions still to break, each as its sorted modules.
DEFERRED_CYCLES: set[tuple[str, str]] = set()
#: Private names still imported across modules: (importing module, source, name).
DEFERRED_PRIVATE: set[tuple[str, str, str]] = set()
#: Lines above which a module is too long to read in one sitting.
LONG = 650
#: Modules still over ``LONG`` lines, to split (a new one fails; one split leaves the set).
DEFERRED_LONG: set[str] = set()


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    for name in TOP_MODULES:
        found[name] = ROOT / f"{name}.py"
    return found


MODULES = _modules()


def _source(module: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from … import`` reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if MODULES[module].name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _module_level(tree: ast.Module) -> list[ast.stmt]:
    """Statements run at import time: the body and the branches of top-level if/try."""
    out: list[ast.stmt] = []
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If):
            if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
                continue  # never runs
            stack.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            stack.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                stack.extend(handler.body)
        else:
            out.append(node)
    return out


def _imports(module: str, nodes) -> list[tuple[str, str | None]]:
    """(imported module, imported name or None) for each import among ``nodes``."""
    out: list[tuple[str, str | None]] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            out.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _source(module, node)
            out.extend((source, alias.name) for alias in node.names)
    return out


def _graph(module_level_only: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = _module_level(tree) if module_level_only else list(ast.walk(tree))
        for source, name in _imports(module, nodes):
            for target in (source, f"{source}.{name}" if name else None):
                if target in MODULES and target != module:
                    graph[module].add(target)
                    graph[module].update(_parents_run_first(module, target))
    return graph


def _parents_run_first(module: str, target: str) -> set[str]:
    """Packages whose ``__init__`` runs when ``module`` imports ``target``: the target's
    parent packages, except those ``module`` itself belongs to (already running)."""
    parts = target.split(".")
    parents = {".".join(parts[:i]) for i in range(1, len(parts))}
    own = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
    return {parent for parent in parents - own if parent in MODULES}


def _cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[tuple[str, ...]] = set()
    for start in sorted(set(graph) | {t for ts in graph.values() for t in ts}):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(tuple(sorted(component)))
    return found


def test_the_walker_sees_the_project_and_finds_a_planted_cycle():
    graph = _graph(module_level_only=True)
    assert "analytics.ingest.pnl" in graph["analytics.ingest.pipeline"]
    assert (
        "analytics.schema"
        in graph["analytics.query.engine"] | graph["analytics.query.spec"]
    )
    # importing a package's module runs the package's __init__ first
    assert "analytics.ingest" in graph["analytics.dataset_model"]
    planted = {k: set(v) for k, v in graph.items()}
    planted.setdefault("analytics.schema", set()).add("analytics.ingest.pipeline")
    assert any(
        {"analytics.ingest.pipeline", "analytics.schema"} <= set(cycle)
        for cycle in _cycles(planted)
    )
    # an __init__ re-exporting the pipeline eagerly would close the loop through
    # dataset_model (which reads numbers with analytics.ingest.parsing)
    planted = {k: set(v) for k, v in graph.items()}
    planted.setdefault("analytics.ingest", set()).add("analytics.ingest.pipeline")
    assert any(
        {"analytics.dataset_model", "analytics.ingest"} <= set(cycle)
        for cycle in _cycles(planted)
    )


def test_no_import_cycle_at_module_level():
    assert _cycles(_graph(module_level_only=True)) == set()


def test_cycles_through_function_imports_are_only_the_known_ones():
    assert _cycles(_graph(module_level_only=False)) == DEFERRED_CYCLES


def test_no_private_name_is_imported_from_another_project_module():
    private = set()
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for source, name in _imports(module, ast.walk(tree)):
            top = source.split(".")[0]
            if top not in PACKAGES + TOP_MODULES or name is None:
                continue
            if name.startswith("_") and not name.startswith("__"):
                private.add((module, source, name))
    assert private == DEFERRED_PRIVATE


def test_analytics_imports_nothing_from_the_web_stack_or_upper_layers():
    bad = []
    for module, path in MODULES.items():
        if module.split(".")[0] != "analytics":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for source, _name in _imports(module, ast.walk(tree)):
            if source.split(".")[0] in CORE_FORBIDDEN:
                bad.append(f"{module} imports {source}")
    assert bad == []


def _is_error_class(node: ast.ClassDef) -> bool:
    names = [node.name] + [
        base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
        for base in node.bases
    ]
    return any(
        name.endswith(("Error", "Exception", "Exceeded", "FileType")) for name in names
    )


def test_errors_below_the_web_layer_carry_no_http_status():
    found = []
    for module, path in MODULES.items():
        if module.split(".")[0] not in ("analytics", "services"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ClassDef) and _is_error_class(node)):
                continue
            for stmt in node.body:
                targets = (
                    stmt.targets
                    if isinstance(stmt, ast.Assign)
                    else [stmt.target]
                    if isinstance(stmt, ast.AnnAssign)
                    else []
                )
                if any(
                    isinstance(target, ast.Name) and "status" in target.id
                    for target in targets
                ):
                    found.append(f"{module}.{node.name}")
    assert found == []


def test_no_new_module_over_the_length_limit():
    long = {
        module
        for module, path in MODULES.items()
        if len(path.read_text(encoding="utf-8").splitlines()) > LONG
    }
    assert long - DEFERRED_LONG == set(), "split it, or list it in DEFERRED_LONG"
    assert DEFERRED_LONG - long == set(), "split: remove it from DEFERRED_LONG"
