"""Solve a model from its initial state, with inputs, saved at given times.

Pure and transformable: works under ``jit``, ``vmap`` and ``grad`` (``jacfwd`` only with the
fused engine). States are integrated normalised by their initial value (or the model's
typical scale) so one absolute tolerance means the same for every state. A failed solve never
raises: the returned :class:`Solution` carries ``ok`` and a result code of
:class:`~.results.RESULTS`; :func:`~.results.failure_reason` gives the message.
"""

from __future__ import annotations

from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp

from ..errors import ModelError
from ..model.base import Model, Params
from ..model.inputs import check_inputs, jump_times
from .backends import backend
from .options import SolverConfig
from .results import RESULTS


class Solution(eqx.Module):
    """States and observables at ``ts``; ``ok`` is False when the solve (or steady state) failed."""

    ts: jnp.ndarray
    states: jnp.ndarray
    observables: dict[str, jnp.ndarray]
    y0: jnp.ndarray
    ok: jnp.ndarray
    result: jnp.ndarray
    steps: jnp.ndarray


def simulate(
    model: Model,
    params: Params,
    times: jnp.ndarray,
    inputs: Mapping | None = None,
    *,
    config: SolverConfig = SolverConfig(),
    t0: float = 0.0,
) -> Solution:
    """Solve ``model`` with parameters ``params`` from ``t0``, saving at ``times`` (days)."""
    inputs = dict(inputs or {})
    _check(model, params, inputs)
    times = jnp.asarray(times, dtype=jnp.float64)
    p = model.prepared(params, inputs)
    y0 = model.initial_state(p, inputs)
    root_ok = jnp.all(jnp.isfinite(y0))
    y0_safe = jnp.where(root_ok, y0, 1.0)
    typical = jnp.asarray(model.state_scales or (1.0,) * len(model.states))
    scale = jax.lax.stop_gradient(jnp.where(jnp.abs(y0_safe) > 0, jnp.abs(y0_safe), typical))

    t1 = jnp.maximum(times[-1], t0 + 1e-9)
    jumps = jax.lax.stop_gradient(jump_times(inputs))
    jumps = jnp.where(jnp.isfinite(jumps) & (jumps > t0) & (jumps < t1), jumps, t1 + 1.0)
    run = backend(config).integrate(normalised_field(model), y0_safe / scale, (p, inputs, scale), times, jumps, t0, t1, config)
    states = run.states * scale
    observables = jax.vmap(lambda t, y: model.observe(t, y, y0_safe, p, inputs))(times, states)
    result = jnp.where(root_ok, run.code, RESULTS.steady_state_not_bracketed._value)
    return Solution(times, states, observables, y0, root_ok & run.ok, result, run.steps)


def normalised_field(model: Model):
    """The vector field of states divided by ``scale``: ``f(t, z, (p, inputs, scale))``."""

    def field(t, z, args):
        p, inputs, scale = args
        return model.vector_field(t, z * scale, p, inputs) / scale

    return field


def _check(model: Model, params: Mapping, inputs: Mapping) -> None:
    """Static checks (names always; values only when concrete, i.e. outside jit/vmap)."""
    if not jax.config.jax_enable_x64:
        raise ModelError("remodel-fit integrates in float64: call remodel_fit.configure() (or "
                         "jax.config.update('jax_enable_x64', True)) before the first solve")
    names = set(params)
    if names != set(model.parameter_names):
        unknown = sorted(names - set(model.parameter_names))
        if unknown:
            model.parameter(unknown[0])  # raises with a suggestion
        raise ModelError(f"parameters for model {model.name!r} lack {sorted(set(model.parameter_names) - names)}")
    check_inputs(model, inputs)
    if not any(isinstance(v, jax.core.Tracer) for v in params.values()):
        shapes = {jnp.shape(v) for v in params.values()}
        if len(shapes) > 1:
            raise ModelError(f"parameters of model {model.name!r} have mixed shapes {sorted(shapes)}; pass scalars (vmap for batches)")
        model.validate(params)
