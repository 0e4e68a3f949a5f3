"""PEtab objective priors as one log density of the estimated parameters on the parameter scale
(the density NUTS on the parameter scale needs): priors on the linear scale get the Jacobian
|dp/dx|; parameters without a prior are uniform on the scaled bounds (parameterScaleUniform).
Outside the bounds the density is −inf. Untruncated: no renormalisation to the bounds."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .likelihood import unscale
from .problem import PetabProblem


def _density(typ: str, v, a: float, b: float):
    if typ == "uniform":
        return jnp.where((v >= a) & (v <= b), -jnp.log(b - a), -jnp.inf)
    if typ == "normal":
        return -0.5 * jnp.log(2 * jnp.pi * b**2) - 0.5 * ((v - a) / b) ** 2
    if typ == "laplace":
        return -jnp.log(2 * b) - jnp.abs(v - a) / b
    if typ == "lognormal":
        return -0.5 * jnp.log(2 * jnp.pi * b**2) - jnp.log(v) - 0.5 * ((jnp.log(v) - a) / b) ** 2
    return -jnp.log(2 * b) - jnp.log(v) - jnp.abs(jnp.log(v) - a) / b  # loglaplace


def log_prior(problem: PetabProblem, x_scaled) -> jnp.ndarray:
    """Sum of the estimated parameters' prior log densities at ``x_scaled`` (parameter scale)."""
    table = problem.parameters
    total = 0.0
    for j, i in enumerate(np.where(table.estimated)[0]):
        x, s = x_scaled[j], table.scales[i]
        p = unscale(x, s)
        prior = table.priors[i]
        on_scale = prior["type"].startswith("parameterScale")
        typ = prior["type"].removeprefix("parameterScale").lower()
        lp = _density(typ, x if on_scale else p, *prior["parameters"])
        if not on_scale:
            lp = lp + {"lin": 0.0, "log": jnp.log(p), "log10": jnp.log(p * np.log(10.0))}[s]
        total = total + jnp.where((p >= table.lower[i]) & (p <= table.upper[i]), lp, -jnp.inf)
    return jnp.asarray(total)
