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


def scaled_bounds(problem: PetabProblem) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the estimated parameters on their parameter scale."""
    table = problem.parameters
    idx = np.where(table.estimated)[0]
    f = {"lin": lambda v: v, "log": np.log, "log10": np.log10}
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.array([f[table.scales[i]](table.lower[i]) for i in idx], dtype=float)
        hi = np.array([f[table.scales[i]](table.upper[i]) for i in idx], dtype=float)
    return lo, hi


def _truncated(typ: str, a: float, b: float, low: float, high: float):
    """The prior of one variable (x, p or log p, as ``typ`` says) truncated to [low, high], as NumPyro's."""
    from numpyro import distributions as dist

    if typ == "uniform":
        return dist.Uniform(max(a, low), min(b, high))
    base = dist.Normal(a, b) if typ in ("normal", "lognormal") else dist.Laplace(a, b)
    return dist.TruncatedDistribution(base, low=low, high=high)


def sample_prior(problem: PetabProblem, key, n: int) -> np.ndarray:
    """``n`` draws (rows) of the estimated parameters on the parameter scale from the objective priors
    truncated to the bounds (the distribution :func:`log_prior` is the unnormalised density of)."""
    import jax

    table = problem.parameters
    lo, hi = scaled_bounds(problem)
    to_x = {"lin": lambda v: v, "log": jnp.log, "log10": jnp.log10}
    keys = jax.random.split(key, len(lo))
    columns = []
    for j, i in enumerate(np.where(table.estimated)[0]):
        prior, s = table.priors[i], table.scales[i]
        on_scale = prior["type"].startswith("parameterScale")
        typ = prior["type"].removeprefix("parameterScale").lower()
        if on_scale:
            low, high, back = lo[j], hi[j], (lambda v: v)
        elif typ in ("lognormal", "loglaplace"):
            with np.errstate(divide="ignore"):
                low, high = np.log(table.lower[i]), np.log(table.upper[i])
            back = lambda v, s=s: to_x[s](jnp.exp(v))  # noqa: E731
        else:
            low, high, back = table.lower[i], table.upper[i], to_x[s]
        draws = _truncated(typ, *prior["parameters"], float(low), float(high)).sample(keys[j], (n,))
        columns.append(back(draws))
    return np.asarray(jnp.stack(columns, axis=1))
