"""The core stays plain Python, and start-up stays light."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "pos" / "core"
FORBIDDEN = {"textual", "bitcoinlib", "serial", "qrcode", "tinydb", "drivers", "pos.ui", "pos.chain", "pos.store"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_only_the_standard_library_and_itself():
    for path in CORE.glob("*.py"):
        for name in imported_modules(path):
            assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), f"{path.name} imports {name}"


def test_importing_the_core_pulls_no_heavy_library():
    code = ("import sys, pos.core.cart, pos.core.invoice, pos.core.payment, pos.core.catalog, pos.config;"
            "heavy = [m for m in ('textual', 'bitcoinlib', 'serial', 'qrcode', 'tinydb') if m in sys.modules];"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
