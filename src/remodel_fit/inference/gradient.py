"""Forward-mode gradients of a subject's solve, wrapped in a custom VJP.

NumPyro's ``chain_method='parallel'`` (``pmap``) crashes with diffrax's default
``RecursiveCheckpointAdjoint`` (an equinox closure-conversion error inside the
checkpointed loop; see STACK-NOTES). Computing the Jacobian of the predictions with
respect to the few differentiated parameters by forward mode (``jax.jacfwd`` through a
``ForwardMode`` solve) and handing it to reverse mode through ``jax.custom_vjp`` works
under ``pmap``, and for few parameters costs about as much as reverse mode.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import jax
import jax.numpy as jnp

from ..model.spec import Model, Params
from ..forward_sensitivities import simulate_with_sensitivities
from ..simulate import SolverConfig, simulate


def forward_subject_solver(
    model: Model, base: Params, names: Sequence[str], times, observables: Sequence[str], config: SolverConfig
) -> Callable:
    """``f(theta, inputs) -> (table (n_obs, n_times), ok float)`` with a forward-mode VJP in ``theta``.

    ``theta`` holds the values of ``names`` (the parameters that are differentiated);
    every other parameter is taken from ``base``.
    """
    cfg = dataclasses.replace(config, adjoint="forward")
    names = tuple(names)

    def solve(theta, inputs):
        p = {**base, **{n: theta[i] for i, n in enumerate(names)}}
        sol = simulate(model, p, times, inputs, config=cfg)
        table = jnp.stack([sol.observables[o] for o in observables])
        return table, sol.ok.astype(table.dtype)

    def with_aux(theta, inputs):
        out = solve(theta, inputs)
        return out[0], out

    @jax.custom_vjp
    def f(theta, inputs):
        return solve(theta, inputs)

    def fwd(theta, inputs):
        jac, out = jax.jacfwd(with_aux, has_aux=True)(theta, inputs)
        jac = jnp.where(jnp.isfinite(jac), jac, 0.0)
        return out, (jac, inputs)

    f.defvjp(fwd, _jacobian_vjp)
    return f


def sensitivity_subject_solver(
    model: Model, base: Params, names: Sequence[str], times, observables: Sequence[str], config: SolverConfig
) -> Callable:
    """As :func:`forward_subject_solver`, with the Jacobian from the forward sensitivity equations
    (:mod:`remodel_fit.forward_sensitivities`): one solve of the augmented system instead of
    differentiating through the solver. Values alone (no gradient) come from a plain solve."""
    names = tuple(names)
    observables = tuple(observables)

    def params_of(theta):
        return {**base, **{n: theta[i] for i, n in enumerate(names)}}

    @jax.custom_vjp
    def f(theta, inputs):
        sol = simulate(model, params_of(theta), times, inputs, config=config)
        table = jnp.stack([sol.observables[o] for o in observables])
        return table, sol.ok.astype(table.dtype)

    def fwd(theta, inputs):
        table, jac, ok, _ = simulate_with_sensitivities(model, params_of(theta), names, times, inputs, observables, config=config)
        jac = jnp.where(jnp.isfinite(jac), jac, 0.0)
        return (table, ok.astype(table.dtype)), (jac, inputs)

    f.defvjp(fwd, _jacobian_vjp)
    return f


def _jacobian_vjp(res, cts):
    """Pull a cotangent of the table back through a stored Jacobian (n_obs, n_times, k)."""
    jac, inputs = res
    ct_table = jnp.where(jnp.isfinite(cts[0]), cts[0], 0.0)
    return jnp.einsum("otk,ot->k", jac, ct_table), jax.tree_util.tree_map(jnp.zeros_like, inputs)


def subject_thetas(names: Sequence[str], params: Params, varying: Mapping[str, jnp.ndarray], n_subjects: int) -> jnp.ndarray:
    """(n_subjects, len(names)) matrix of the differentiated parameters of each subject."""
    cols = [varying[n] if n in varying else jnp.broadcast_to(params[n], (n_subjects,)) for n in names]
    return jnp.stack(cols, axis=-1)
