"""Small helpers shared by the inference verbs (no JAX work here: the host device count is set later)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError


def load_config(path: str | os.PathLike) -> Mapping[str, Any]:
    """The workflow config as a mapping; ConfigError naming the file when it is not YAML."""
    import yaml

    try:
        with open(path) as fh:
            config = yaml.safe_load(fh) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(config, Mapping):
        raise ConfigError(f"{path}: the config must be a mapping at top level")
    return config
