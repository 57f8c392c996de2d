"""Every import points down (docs/architecture.md).

The import graph of the `mutualaid` package is read from the source, without importing it:
- no two modules import each other, directly or through others;
- no module imports from a layer above its own (a selector never imports a service, a service
  never imports a task or a view), in its own app or another;
- `networks` never imports `governance`, and core's building blocks import no app;
- no import hides inside a function, unless a comment `# import here: <why>` says why.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mutualaid"

# Layers, top to bottom. A module may import its own layer and the layers below it.
DOORS, TASKS, SERVICES, NOTICES, SELECTORS, MODELS = 6, 5, 4, 3, 2, 1
LAYER_OF_NAME = {
    "views": DOORS,
    "api": DOORS,
    "admin": DOORS,
    "admin_site": DOORS,
    "urls": DOORS,
    "forms": DOORS,
    "cli": DOORS,
    "demo": DOORS,
    "apps": DOORS,
    "middleware": DOORS,
    "context_processors": DOORS,
    "receivers": DOORS,
    "decorators": DOORS,
    "management": DOORS,
    "templatetags": DOORS,
    "settings": DOORS,
    "wsgi": DOORS,
    "asgi": DOORS,
    "tasks": TASKS,
    "services": SERVICES,
    "leaving": SERVICES,
    "notices": NOTICES,
    "selectors": SELECTORS,
    "permissions": SELECTORS,
    "models": MODELS,
}
# Modules of core that are doors (pages, the admin site, middleware): they may read other
# apps' selectors. Everything else in core is a building block and imports no app.
CORE_DOORS = ("views", "api", "admin", "admin_site", "apps", "middleware", "context_processors")
FORBIDDEN = {"mutualaid.networks": ("mutualaid.governance",)}


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    in_function: bool
    explained: bool


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts
    }


def _resolve(name: str) -> str | None:
    """The longest prefix of `name` that is one of our modules."""
    modules = _modules()
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _absolute(node: ast.ImportFrom, source: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = source.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _explained(lines: list[str], line: int) -> bool:
    around = lines[max(0, line - 4) : line]
    return any("# import here:" in text for text in around)


def _imports_in(source: str, path: Path) -> Iterator[Import]:
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)

    def walk(node: ast.AST, in_function: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # read by type checkers only
            if isinstance(child, ast.Import | ast.ImportFrom):
                if isinstance(child, ast.Import):
                    names = [alias.name for alias in child.names]
                else:
                    base = _absolute(child, source, path.name == "__init__.py")
                    names = [f"{base}.{alias.name}" for alias in child.names]
                for name in names:
                    target = _resolve(name) if name.startswith("mutualaid") else None
                    if target and target != source:
                        yield Import(
                            source,
                            target,
                            child.lineno,
                            in_function,
                            _explained(lines, child.lineno),
                        )
            else:
                inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                yield from walk(child, inner)

    yield from walk(tree, False)


@cache
def _imports() -> tuple[Import, ...]:
    return tuple(imp for name, path in _modules().items() for imp in _imports_in(name, path))


def _layer(module: str) -> int | None:
    for part in reversed(module.split(".")[1:]):
        if part in LAYER_OF_NAME:
            return LAYER_OF_NAME[part]
    return None


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_others():
    edges: dict[str, set[str]] = {}
    for imp in _imports():
        if not imp.in_function:
            edges.setdefault(imp.source, set()).add(imp.target)
    assert _cycles(edges) == []


def test_no_import_hides_inside_a_function_without_saying_why():
    hidden = [
        f"{_modules()[imp.source].relative_to(PACKAGE.parent)}:{imp.line} imports {imp.target}"
        for imp in _imports()
        if imp.in_function and not imp.explained
    ]
    assert hidden == []


def test_no_import_climbs_up_the_layers():
    climbing = []
    for imp in _imports():
        source, target = _layer(imp.source), _layer(imp.target)
        if source is not None and target is not None and target > source:
            climbing.append(f"{imp.source} -> {imp.target}")
        elif source is None and target is not None and target >= TASKS:
            climbing.append(f"{imp.source} -> {imp.target}")
    assert climbing == []


@pytest.mark.parametrize(("low", "high"), [(k, v) for k, vs in FORBIDDEN.items() for v in vs])
def test_a_lower_app_never_imports_a_higher_one(low, high):
    assert [
        f"{imp.source} -> {imp.target}"
        for imp in _imports()
        if imp.source.startswith(low + ".") and imp.target.startswith(high + ".")
    ] == []


def test_cores_building_blocks_import_no_app():
    def is_core_door(module: str) -> bool:
        return any(part in CORE_DOORS for part in module.split(".")[2:3]) or ".management" in module

    assert [
        f"{imp.source} -> {imp.target}"
        for imp in _imports()
        if imp.source.startswith("mutualaid.core")
        and not is_core_door(imp.source)
        and not imp.target.startswith("mutualaid.core")
    ] == []


def test_the_checks_see_what_they_check():
    # The graph is not empty, and a known import is in it, so an empty result means clean.
    assert len(_modules()) > 150
    assert any(
        imp.source == "mutualaid.needs.services" and imp.target == "mutualaid.needs.models"
        for imp in _imports()
    )
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
