"""Exogenous PTH as a model input: the level ``pth_infusion`` (pM/day), 0 without a schedule.

The infusion is a production rate added to the systemic PTH production of a core (Pivonka et al.
2008: the dosage term P_PTH,d next to beta_PTH; Lemaire et al. 2004: the injection I_P next to
S_P), so a core keeps its published steady state when it is absent.
"""

from __future__ import annotations

from collections.abc import Mapping

import jax.numpy as jnp

from .base import Input
from .inputs import level_at

PTH_INFUSION = Input(
    "pth_infusion", "level", "pM/d",
    "exogenous PTH production added to the systemic production (Pivonka P_PTH,d; Lemaire I_P); 0 when absent",
)


def infusion(inputs: Mapping, t: jnp.ndarray) -> jnp.ndarray:
    """The exogenous PTH production (pM/day) at ``t``; 0 without a schedule."""
    return level_at(inputs, PTH_INFUSION.name, t, jnp.asarray(0.0))
