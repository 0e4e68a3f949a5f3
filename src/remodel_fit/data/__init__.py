"""Measurement and condition tables: reading, validation, datasets, synthetic cohorts, clinical arms;
arm-level published summaries in :mod:`remodel_fit.data.arms` (its ``read_arms`` is not re-exported here)."""

from .build import build_dataset, read_dataset, read_tables
from .clinical import read_arm, read_arms
from .dataset import Dataset
from .validate import validate_conditions, validate_measurements

__all__ = [
    "Dataset",
    "build_dataset",
    "read_arm",
    "read_arms",
    "read_dataset",
    "read_tables",
    "validate_conditions",
    "validate_measurements",
]
