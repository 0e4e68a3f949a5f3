"""remodel-fit: differentiable bone-remodelling models with cytokine inputs.

Importing the package switches JAX to float64 and makes equinox runtime errors
compile to NaN (so the persistent compilation cache works for diffrax code; every
solve reports failure through its own flag instead). Imported before JAX, it also turns on
JAX's hoisting of closed-over arrays into arguments of compiled programs
(``JAX_USE_SIMPLIFIED_JAXPR_CONSTANTS``, read only when JAX is imported; set it to false to
opt out): programs then do not contain the data, so a fit on new data of the same shape
loads its programs from the persistent cache instead of recompiling them.
"""

from __future__ import annotations

import os

os.environ.setdefault("EQX_ON_ERROR", "nan")
os.environ.setdefault("JAX_USE_SIMPLIFIED_JAXPR_CONSTANTS", "true")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"

from .model import MODELS, Model, get_model  # noqa: E402
from .simulate import Solution, SolverConfig, simulate  # noqa: E402

__all__ = ["MODELS", "Model", "Solution", "SolverConfig", "get_model", "simulate", "__version__"]
