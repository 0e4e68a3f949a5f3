"""The Makefile's interpreter finder: a Python >= 3.12 when one exists, nothing (exit 1) otherwise."""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import REPO

FIND = str(REPO / "tools/find-python")


def test_finds_a_python_of_at_least_3_12():
    run = subprocess.run(["/bin/sh", FIND], capture_output=True, text=True, env=os.environ)
    assert run.returncode == 0, run.stderr
    version = subprocess.run([run.stdout.strip(), "-c", "import sys; print(sys.version_info[:2] >= (3, 12))"],
                             capture_output=True, text=True)
    assert version.stdout.strip() == "True"


def test_prints_nothing_where_there_is_none(tmp_path):
    run = subprocess.run(["/bin/sh", FIND], capture_output=True, text=True, env={"PATH": "/nonexistent", "HOME": str(tmp_path)})
    assert run.returncode == 1 and run.stdout == ""


def test_make_says_what_to_install(tmp_path):
    for name in ("Makefile", "pyproject.toml"):
        (tmp_path / name).write_text((REPO / name).read_text())
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools/find-python").write_text((REPO / "tools/find-python").read_text())
    make = subprocess.run(["sh", "-c", "command -v make"], capture_output=True, text=True).stdout.strip()
    if not make:
        pytest.skip("make is not installed")
    run = subprocess.run([make, "setup"], cwd=tmp_path, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode != 0
    assert "remodel-fit needs Python 3.12 or newer" in run.stdout + run.stderr
    assert not (tmp_path / ".venv").exists()
