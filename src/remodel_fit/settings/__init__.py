"""The one config layer: every section's schema, defaults and bounds, validated in one pass
into typed settings; errors name the key path. The option objects of the library layers
(``SolverConfig``, ``NutsOptions``, ``StudyOptions``, ``SyntheticSettings``, ...) are the
sections' building blocks, so each default lives where it is used and nowhere else."""

from __future__ import annotations

from pathlib import Path

from .base import config_hash, load_yaml
from .workflow import WorkflowSettings, json_schema, workflow_settings


def load_settings(path: str | Path) -> WorkflowSettings:
    """Read and validate a workflow config file."""
    return workflow_settings(load_yaml(path), str(path))


__all__ = ["WorkflowSettings", "config_hash", "json_schema", "load_settings", "load_yaml", "workflow_settings"]
