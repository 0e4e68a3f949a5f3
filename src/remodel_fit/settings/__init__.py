"""The one config layer: every section's schema, defaults and bounds, validated in one pass
into typed settings; errors name the key path. The option objects of the library layers
(``SolverConfig``, ``NutsOptions``, ``StudyOptions``, ``SyntheticSettings``, ...) are the
sections' building blocks, so each default lives where it is used and nowhere else.

The workflow schema (``.workflow``, which imports the models and so JAX) loads on first use of
its names: reading a YAML file (``load_yaml``) stays light."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from .base import config_hash, load_yaml

if TYPE_CHECKING:
    from .workflow import WorkflowSettings

_WORKFLOW_EXPORTS = ("WorkflowSettings", "json_schema", "workflow_settings")


def __getattr__(name: str):
    if name in _WORKFLOW_EXPORTS:
        return getattr(import_module(".workflow", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_settings(path: str | Path) -> WorkflowSettings:
    """Read and validate a workflow config file."""
    from .workflow import workflow_settings

    return workflow_settings(load_yaml(path), str(path))


__all__ = ["WorkflowSettings", "config_hash", "json_schema", "load_settings", "load_yaml", "workflow_settings"]
