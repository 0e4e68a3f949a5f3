"""Shared test set-up: the JAX runtime (float64, as the CLI sets it) and the clinical-data location."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import remodel_fit

remodel_fit.configure()  # before any test module imports equinox or runs JAX

REPO = Path(__file__).resolve().parents[1]


def clinical_dir() -> Path | None:
    """The shared clinical-trial directory, if present on this machine."""
    for candidate in (os.environ.get("REMODEL_FIT_CLINICAL_DIR"), REPO.parent / "shared/data/clinical", "/work/shared/data/clinical"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def clinical_path() -> Path:
    path = clinical_dir()
    if path is None:
        pytest.skip("clinical data directory ../shared/data/clinical is absent (set REMODEL_FIT_CLINICAL_DIR)")
    return path


def set_key(path: str, value):
    """A config edit: set the dotted key ``path`` to ``value`` (creating parent sections)."""
    def edit(data):
        node = data
        *parents, last = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return edit
