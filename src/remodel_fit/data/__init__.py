"""Measurement and condition tables: reading, validation, datasets, synthetic cohorts, clinical arms;
arm-level published summaries in :mod:`remodel_fit.data.arms` (``read_arms``)."""

from .build import build_dataset, read_dataset, read_tables
from .clinical import read_clinical_arm, read_clinical_arms
from .dataset import Dataset
from .validate import validate_conditions, validate_measurements

__all__ = [
    "Dataset",
    "build_dataset",
    "read_clinical_arm",
    "read_clinical_arms",
    "read_dataset",
    "read_tables",
    "validate_conditions",
    "validate_measurements",
]
