"""The package layout is the architecture: layers import only downwards, no import circles.

Every ``import`` in every module counts, function-local ones included, so a lazy
import cannot hide a circle or a core module reaching for files or Excel.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "cchc_xl"

# layer -> layers (and third-party file/Excel libraries) it may import
ALLOWED = {
    "core": {"core"},
    "files": {"core", "files"},
    "importers": {"core", "files", "importers"},
    "workbook": {"core", "files", "workbook"},
    "roundtrip": {"core", "files", "workbook", "roundtrip"},
    "report": {"core", "files", "workbook", "report"},
    "mail": {"core", "files", "workbook", "mail"},
    "ingest": {"core", "files", "workbook", "importers", "roundtrip", "ingest"},
}
FILE_LIBS = {"openpyxl", "xlsxwriter", "python_calamine", "docx", "xlwings", "zipfile", "fastapi", "uvicorn"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, mod: str | None = None) -> set[str]:
    mod = mod or _module_name(path)
    pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("cchc_xl"):
                # "from cchc_xl.core import schema" imports the module cchc_xl.core.schema
                for a in node.names:
                    sub = f"{name}.{a.name}"
                    out.add(sub if (PKG.parent / (sub.replace(".", "/") + ".py")).exists()
                            or (PKG.parent / sub.replace(".", "/")).is_dir() else name)
            else:
                out.add(name)
    return out


MODULES = {_module_name(p): _imports(p) for p in sorted(PKG.rglob("*.py"))}


def _layer(mod: str) -> str | None:
    parts = mod.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else None


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if _layer(m) in ALLOWED))
def test_layer_imports_only_downwards(mod):
    layer = _layer(mod)
    bad = []
    for imp in MODULES[mod]:
        if imp.startswith("cchc_xl."):
            target = imp.split(".")[1]
            if target not in ALLOWED[layer]:
                bad.append(imp)
        elif layer == "core" and imp.split(".")[0] in FILE_LIBS:
            bad.append(imp)
    assert not bad, f"{mod} (tầng {layer}) nhập {sorted(bad)}"


def test_no_import_cycles():
    graph = {m: {i for i in imps if i in MODULES and i != m} for m, imps in MODULES.items()}
    # packages' __init__ re-export nothing here; drop edges to bare packages
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not cycles, "vòng nhập: " + "; ".join(" → ".join(c) for c in cycles)


def test_checker_sees_function_local_imports(tmp_path):
    """The checker itself must be able to fail: a lazy import inside a function is found."""
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from ..workbook import master\n    import openpyxl\n", encoding="utf-8")
    found = _imports(f, "cchc_xl.core.x")
    assert {"cchc_xl.workbook.master", "openpyxl"} <= found


def test_column_letters():
    from cchc_xl.core.schema import column_letter
    from openpyxl.utils import get_column_letter
    assert [column_letter(i) for i in (1, 26, 27, 52, 53, 702, 703, 16384)] == \
        [get_column_letter(i) for i in (1, 26, 27, 52, 53, 702, 703, 16384)]
