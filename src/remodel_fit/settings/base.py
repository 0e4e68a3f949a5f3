"""Reading a YAML config with one-line errors, the frozen base of every config section, and
the config hash recorded as provenance."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from ..errors import ConfigError


class Section(BaseModel):
    """A config section: unknown keys are errors, values are frozen after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def load_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML file as a mapping; ConfigError naming the file (and line and column) otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f": line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{path}{where}: not valid YAML ({problem})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level, got {type(data).__name__}")
    return data


def config_hash(section: Any) -> str:
    """sha256 of the canonical JSON of a config section (provenance of a fit)."""
    return hashlib.sha256(json.dumps(section, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()
