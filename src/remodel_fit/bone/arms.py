"""Cytokine-arm variants of a fit: ``arms: [rankl, opg]`` keeps those arms and fixes every
cytokine's effect on the other arms at 0 (the nested models PSIS-LOO compares)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import ConfigError
from .cytokines import ARMS, CYTOKINES


def apply_arms(arms: Sequence[str] | str | None, free: Mapping, fixed: Mapping, key: str) -> tuple[dict, dict]:
    """``free`` and ``fixed`` with the effects of the arms not kept moved to ``fixed`` at 0."""
    if arms is None:
        return dict(free), dict(fixed)
    if isinstance(arms, str):
        arms = arms.split("_")
    if not isinstance(arms, (list, tuple)) or any(a not in ARMS for a in arms):
        raise ConfigError(f"{key} must be a list of arms from {list(ARMS)} (or 'rankl_opg'), got {arms!r}")
    free, fixed = dict(free), dict(fixed)
    for c in CYTOKINES:
        for a in ARMS:
            if a not in arms:
                free.pop(f"{c}_e_{a}", None)
                fixed[f"{c}_e_{a}"] = 0.0
    return free, fixed
