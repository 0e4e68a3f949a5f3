"""Forward-mode gradients of a solve, wrapped in a custom VJP.

NumPyro's ``chain_method='parallel'`` (``pmap``) crashes with diffrax's default
``RecursiveCheckpointAdjoint`` (an equinox closure-conversion error inside the checkpointed
loop; docs/architecture.md), and the fused engine has no reverse mode at all. Computing the
Jacobian of the predictions with respect to the few differentiated parameters by forward mode
(``jax.jacfwd`` through a ``ForwardMode`` or fused solve) and handing it to reverse mode
through ``jax.custom_vjp`` works under ``pmap``, and for few parameters costs about as much as
reverse mode. With ``sensitivity_control`` the Jacobian's tangent lanes share the fused
engine's error control (:func:`~.fused.jacfwd_shared`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import jax
import jax.numpy as jnp

from ..model.base import Model, Params
from .fused import jacfwd_shared
from .options import SolverConfig
from .simulate import simulate


def forward_subject_solver(
    model: Model, base: Params, names: Sequence[str], observables: Sequence[str], config: SolverConfig
) -> Callable:
    """``f(theta, inputs, times) -> (table (n_obs, n_times), ok float)`` with a forward-mode VJP in
    ``theta``.

    ``theta`` holds the values of ``names`` (the parameters that are differentiated);
    every other parameter is taken from ``base``. ``times`` are the save times (non-decreasing;
    repeated times are saved together, so clipping them to a subject's last observation ends
    that subject's solve there).
    """
    cfg = dataclasses.replace(config, adjoint="forward")
    names = tuple(names)
    jacobian = jacfwd_shared if config.sensitivity_control else jax.jacfwd

    def solve(theta, inputs, times):
        p = {**base, **{n: theta[i] for i, n in enumerate(names)}}
        sol = simulate(model, p, times, inputs, config=cfg)
        table = jnp.stack([sol.observables[o] for o in observables])
        return table, sol.ok.astype(table.dtype)

    def with_aux(theta, inputs, times):
        out = solve(theta, inputs, times)
        return out[0], out

    @jax.custom_vjp
    def f(theta, inputs, times):
        return solve(theta, inputs, times)

    def fwd(theta, inputs, times):
        jac, out = jacobian(with_aux, has_aux=True)(theta, inputs, times)
        jac = jnp.where(jnp.isfinite(jac), jac, 0.0)
        return out, (jac, inputs, times)

    def bwd(res, cts):
        jac, inputs, times = res
        ct_table = jnp.where(jnp.isfinite(cts[0]), cts[0], 0.0)
        return (jnp.einsum("otk,ot->k", jac, ct_table), jax.tree_util.tree_map(jnp.zeros_like, inputs),
                jnp.zeros_like(times))

    f.defvjp(fwd, bwd)
    return f


def subject_thetas(names: Sequence[str], params: Params, varying: Mapping[str, jnp.ndarray], n_subjects: int) -> jnp.ndarray:
    """(n_subjects, len(names)) matrix of the differentiated parameters of each subject."""
    cols = [varying[n] if n in varying else jnp.broadcast_to(params[n], (n_subjects,)) for n in names]
    return jnp.stack(cols, axis=-1)
