"""Differentiable steady states by a bracketed scalar root-find.

Many remodelling models reduce to one equation g(x) = 0 in a single state (the
others follow explicitly). We bisect in log x for a fixed number of iterations
(never raises, vmaps in lockstep), then take one Newton step from the
``stop_gradient`` of the bracket midpoint: at a converged root this gives the exact
implicit-function derivative dx/dp = -(dg/dp)/(dg/dx).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp


def positive_root(
    g: Callable[[jnp.ndarray], jnp.ndarray],
    lower: float = 1e-12,
    upper: float = 1e3,
    iterations: int = 80,
) -> jnp.ndarray:
    """Root of ``g`` on (lower, upper) where g(lower) > 0 > g(upper); NaN if not bracketed."""
    lo0, hi0 = jnp.log(jnp.asarray(lower)), jnp.log(jnp.asarray(upper))

    def body(_, bracket):
        lo, hi = bracket
        mid = 0.5 * (lo + hi)
        positive = g(jnp.exp(mid)) > 0
        return jnp.where(positive, mid, lo), jnp.where(positive, hi, mid)

    lo, hi = jax.lax.fori_loop(0, iterations, body, (lo0, hi0))
    x = jax.lax.stop_gradient(jnp.exp(0.5 * (lo + hi)))
    g_x, dg_dx = jax.jvp(g, (x,), (jnp.ones_like(x),))
    root = x - g_x / dg_dx
    bracketed = (g(jnp.exp(lo0)) > 0) & (g(jnp.exp(hi0)) < 0)
    return jnp.where(bracketed, root, jnp.nan)
