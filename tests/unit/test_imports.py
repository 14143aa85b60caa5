"""Modules import what they use at the top: an import inside a function hides a dependency from
the layer contracts (`lint-imports`) and is kept only for what is heavy to load."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "shared", "entities", "domain", "functions", "rest", "emulator")
# (module, what it imports late, why)
LATE = {
    ("main", "app.api"),  # the whole API, loaded by the `api` target only
    ("emulator.__main__", "app.api"),  # the whole API, imported while the emulators start
    ("functions.certificates.pdf", "functions.certificates.typesetting"),  # reportlab
    ("functions.certificates.issue", "functions.certificates.pdf"),  # reportlab
}


def _late_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                    found.update(f"{inner.module}.{alias.name}" for alias in inner.names)
                elif isinstance(inner, ast.Import):
                    found.update(alias.name for alias in inner.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def test_no_module_imports_the_project_inside_a_function_but_for_heavy_sdks() -> None:
    files = [ROOT / "main.py", *(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))]
    late = set()
    for path in files:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        late.update((module, imported) for imported in _late_imports(path))
    assert late == LATE
