"""The layers of ``agent/`` as the tree shows them, checked from the source on every run.

Every import counts, function-level ones included: a module graph is built from the AST of
each file under ``agent/`` and must have no cycle and none of the forbidden arrows below.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from locations import ROOT

PACKAGE = ROOT / "agent"
MAX_FUNCTION_LINES = 60
MAX_TOP_LEVEL_MODULES = 8

HELPERS = ("agent.errors", "agent.models", "agent.text", "agent.resources", "agent.version")
"""The modules directly in ``agent/``: helpers every layer may use, which use no layer."""

# (importer prefix, imported prefix): no module under the first may import one under the second.
FORBIDDEN = [
    ("agent.grading.offline", "agent.grading.llm"),
    ("agent.grading.llm", "agent.grading.offline"),
    *[
        (low, high)
        for low in ("agent.bank", "agent.grading")
        for high in ("agent.session", "agent.replay", "agent.progress", "agent.evals", "agent.cli")
    ],
    ("agent.bank", "agent.grading"),
    *[
        ("agent.session", high)
        for high in ("agent.replay", "agent.progress", "agent.evals", "agent.cli")
    ],
    ("agent.replay", "agent.evals"),
    ("agent.evals", "agent.replay"),
    # progress reads transcripts (session) and draws with replay's look; nothing below it or
    # beside it (evals) knows about it.
    ("agent.replay", "agent.progress"),
    ("agent.evals", "agent.progress"),
    ("agent.progress", "agent.evals"),
    *[
        (helper, sub)
        for helper in (
            "agent.errors",
            "agent.models",
            "agent.text",
            "agent.resources",
            "agent.version",
        )
        for sub in (
            "agent.bank",
            "agent.grading",
            "agent.session",
            "agent.replay",
            "agent.progress",
            "agent.evals",
        )
    ],
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """Every module ``name`` imports (``from X import Y`` counts X.Y when that is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
            yield from subs or [base]


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {
        name: {m for m in imports(name, path, known) if m in known and m != name}
        for name, path in found.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_graph_is_read_from_the_source() -> None:
    edges = graph()
    assert "agent.grading.registry" in edges["agent.cli.options"] or any(
        under(m, "agent.grading") for m in edges["agent.cli.options"]
    )
    assert "agent.grading.llm" in edges["agent.grading.registry"]  # a function-level import


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize(("low", "high"), FORBIDDEN, ids=[f"{a}->{b}" for a, b in FORBIDDEN])
def test_no_forbidden_arrow(low: str, high: str) -> None:
    arrows = [
        f"{src} -> {dst}"
        for src, targets in graph().items()
        if under(src, low)
        for dst in targets
        if under(dst, high)
    ]
    assert arrows == []


def test_only_the_cli_imports_the_cli() -> None:
    arrows = [
        f"{src} -> {dst}"
        for src, targets in graph().items()
        if not under(src, "agent.cli") and src != "agent.__main__"
        for dst in targets
        if under(dst, "agent.cli")
    ]
    assert arrows == []


def test_only_the_adapter_imports_openai() -> None:
    users = [
        name
        for name, path in modules().items()
        if any(under(m, "openai") for m in imports(name, path, set()))
    ]
    assert users == ["agent.grading.llm.openai_backend"]


def test_layout_shows_the_layers() -> None:
    top = [p.name for p in PACKAGE.glob("*.py")]
    subpackages = [p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, sorted(top)
    assert len(subpackages) >= 4, subpackages


def test_no_function_is_longer_than_a_screen() -> None:
    long = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert long == []


def test_every_subpackage_says_what_it_exports() -> None:
    missing = [
        name
        for name, path in modules().items()
        if path.name == "__init__.py"
        and name != "agent"
        and "__all__" not in path.read_text(encoding="utf-8")
    ]
    assert missing == []
