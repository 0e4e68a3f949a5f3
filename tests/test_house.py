"""House rules checked by tools: the layer contracts (import-linter), module and function sizes,
and no references to documents outside the repository."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SOURCE = REPO / "src" / "remodel_fit"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LONG_FUNCTIONS_WITH_A_REASON = "one loop body"
"""A longer function says why in its docstring with these words (e.g. the fused stepper's body)."""


def test_layer_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed")
    run = subprocess.run([exe], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]


def _modules():
    return sorted(SOURCE.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SOURCE)))
def test_modules_and_functions_are_small(path):
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path}: {len(text.splitlines())} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            doc = ast.get_docstring(node) or ""
            assert length <= MAX_FUNCTION_LINES or LONG_FUNCTIONS_WITH_A_REASON in doc, (
                f"{path.name}:{node.lineno} {node.name} has {length} lines")


def test_code_points_at_no_document_outside_the_repository():
    offenders = [str(p) for p in _modules() + sorted((REPO / "workflow").rglob("*"))
                 if p.is_file() and any(s in p.read_text(errors="ignore") for s in ("STACK-NOTES", "DESIGN.md", "DESIGN 3", "DESIGN §", "/tmp/"))]
    assert not offenders, offenders
