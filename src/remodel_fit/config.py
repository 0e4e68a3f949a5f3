"""Loading the workflow configuration (YAML) and the parts every verb needs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .model import Model, get_model
from .model.spec import ModelError, Params
from .simulate import SolverConfig


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file into a dict (a clear error when missing or malformed)."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {str(err).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level")
    return data


def section(config: Mapping, name: str) -> dict[str, Any]:
    """A config section (empty when absent)."""
    value = config.get(name) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name}: expected a mapping, got {type(value).__name__}")
    return dict(value)


def model_from(config: Mapping, key: str = "model") -> Model:
    try:
        return get_model(config.get(key, "bone_inflammation"))
    except ModelError as err:
        raise ConfigError(f"{key}: {err}") from None


def params_from(model: Model, overrides: Mapping[str, float] | None, key: str = "parameters") -> Params:
    try:
        return model.params(dict(overrides or {}))
    except ModelError as err:
        raise ConfigError(f"{key}: {err}") from None


def solver_from(config: Mapping, key: str = "solver") -> SolverConfig:
    options = section(config, key)
    try:
        return SolverConfig(**options)
    except TypeError as err:
        raise ConfigError(f"{key}: {err}") from None
    except ModelError as err:
        raise ConfigError(f"{key}: {err}") from None


def config_hash(payload: Any) -> str:
    """sha256 of the canonical JSON of ``payload`` (a config section)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
