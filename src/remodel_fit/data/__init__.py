"""Measurement and condition tables: reading, validation, synthetic cohorts, clinical arms."""

from .dataset import Dataset

__all__ = ["Dataset"]
