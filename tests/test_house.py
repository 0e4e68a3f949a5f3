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


NUMPYRO_IMPORT_RULE = ("a file's first import of NumPyro must not be of numpyro.distributions (write `from numpyro "
                       "import distributions as dist`): ArviZ registers numpyro as a lazy module, and a first "
                       "`import numpyro.distributions` or `from numpyro.distributions import ...` of it leaves "
                       "numpyro.distributions without its `distribution` submodule, so numpyro.factor fails")


def _numpyro_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of each import of NumPyro in ``path``, in line order."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "numpyro"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "numpyro":
            found.append((node.lineno, node.module))
    return sorted(found)


def test_the_first_import_of_numpyro_in_a_file_is_not_of_its_distributions():
    files = [p for d in ("src", "tests", "examples", "benchmarks") for p in (REPO / d).rglob("*.py")
             if (REPO / "benchmarks" / "out") not in p.parents]  # out/: benchmark outputs (e.g. old trees)
    wrong = [f"{path.relative_to(REPO)}:{imports[0][0]}" for path in files
             if (imports := _numpyro_imports(path)) and imports[0][1].startswith("numpyro.distributions")]
    assert not wrong, f"{NUMPYRO_IMPORT_RULE}: {', '.join(wrong)}"


def test_numpyro_factor_works_when_arviz_was_imported_first():
    code = ("import arviz, jax\n"
            "from remodel_fit.inference.priors import distribution\n"
            "import numpyro\n"
            "from numpyro import handlers\n"
            "def model():\n    numpyro.factor('f', -1.0)\n"
            "tr = handlers.trace(handlers.seed(model, jax.random.PRNGKey(0))).get_trace()\n"
            "print(float(tr['f']['fn'].log_factor))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "-1.0", run.stderr[-2000:]
