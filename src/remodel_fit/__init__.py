"""remodel-fit: differentiable bone-remodelling models with cytokine inputs.

Importing the package switches JAX to float64 and makes equinox runtime errors
compile to NaN (so the persistent compilation cache works for diffrax code; every
solve reports failure through its own flag instead).
"""

from __future__ import annotations

import os

os.environ.setdefault("EQX_ON_ERROR", "nan")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"

from .model import MODELS, Model, get_model  # noqa: E402
from .simulate import Solution, SolverConfig, simulate  # noqa: E402

__all__ = ["MODELS", "Model", "Solution", "SolverConfig", "get_model", "simulate", "__version__"]
