"""Laplace approximation of a posterior in NUTS's unconstrained space, to start NUTS well.

The mode is found by BFGS (``scipy.optimize``, driving one jitted value-and-gradient, so
nothing beyond that one function is compiled) from the prior median; the Hessian of the
potential there by central differences of the same gradient (the gradient may be a custom
VJP, which has no forward-over-reverse rule). Its inverse is the covariance of the
approximation: a ready-made (dense) inverse mass matrix, and chains start at independent
draws from it, so warm-up begins with the right scales and correlations instead of
discovering them with deep trees at tiny step sizes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from scipy.optimize import minimize

EIGEN_FLOOR = 1e-8
"""Smallest Hessian eigenvalue kept (relative to the largest): a flat direction gets a wide, finite scale.
A negative eigenvalue (a saddle, or the finite differences' noise on an adaptive solve) enters with its
absolute value, so a direction of negative curvature gets its own curvature's scale, not the widest one."""


@dataclass(frozen=True)
class Laplace:
    mode: jnp.ndarray
    covariance: jnp.ndarray
    potential: float
    iterations: int
    converged: bool
    seconds: float

    def draws(self, key: jax.Array, n: int) -> jnp.ndarray:
        """``n`` draws (rows) from N(mode, covariance)."""
        chol = jnp.linalg.cholesky(self.covariance)
        return self.mode + jax.random.normal(key, (n, self.mode.size)) @ chol.T

    def summary(self) -> dict:
        """Deterministic facts of the approximation (the seconds go to the log, not the netCDF)."""
        return {"potential": self.potential, "iterations": self.iterations, "converged": self.converged}


def laplace(potential: Callable[[jnp.ndarray], jnp.ndarray], x0: jnp.ndarray, *, maxiter: int = 200,
            step: float = 1e-4) -> Laplace | None:
    """Mode and inverse Hessian of ``potential`` (flat unconstrained vector); None if it ends non-finite."""
    start = time.perf_counter()
    value_and_grad = jax.jit(jax.value_and_grad(potential))

    def fun(x):
        v, g = value_and_grad(jnp.asarray(x))
        return float(v), np.asarray(g, dtype=float)

    res = minimize(fun, np.asarray(x0, dtype=float), jac=True, method="BFGS", options={"maxiter": maxiter})
    mode = np.asarray(res.x)
    if not (np.all(np.isfinite(mode)) and np.isfinite(res.fun)):
        return None
    eye = np.eye(mode.size)
    hessian = np.stack([(fun(mode + step * e)[1] - fun(mode - step * e)[1]) / (2 * step) for e in eye])
    covariance = covariance_from_hessian(hessian)
    if covariance is None:
        return None
    return Laplace(jnp.asarray(mode), jnp.asarray(covariance), float(res.fun), int(res.nit),
                   bool(res.success), time.perf_counter() - start)


def covariance_from_hessian(hessian: np.ndarray) -> np.ndarray | None:
    """The inverse of the symmetrised ``hessian`` with its eigenvalues made positive (absolute value,
    floored at :data:`EIGEN_FLOOR` of the largest); None if it is not finite or zero."""
    values, vectors = np.linalg.eigh(0.5 * (hessian + hessian.T))
    if not np.all(np.isfinite(values)) or np.abs(values).max() <= 0:
        return None
    values = np.maximum(np.abs(values), EIGEN_FLOOR * np.abs(values).max())
    covariance = (vectors / values) @ vectors.T
    return 0.5 * (covariance + covariance.T)
