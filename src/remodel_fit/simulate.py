"""Solve a model with diffrax from its initial state, with inputs, saved at given times.

Pure and transformable: works under ``jit``, ``vmap`` and ``grad``. States are
integrated normalised by their initial value (or the model's typical scale) so one
absolute tolerance means the same for every state. A failed solve never raises: the
returned :class:`Solution` carries ``ok`` and a diffrax result code; use
:func:`failure_reason` for the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .fused import erk_solve
from .model.inputs import check_inputs, jump_times
from .model.spec import Model, ModelError, Params
from .rodas import Rodas4, Rodas4P

SOLVERS = {
    "tsit5": diffrax.Tsit5,
    "dopri5": diffrax.Dopri5,
    "dopri8": diffrax.Dopri8,
    "kvaerno3": diffrax.Kvaerno3,
    "kvaerno4": diffrax.Kvaerno4,
    "kvaerno5": diffrax.Kvaerno5,
    "rodas4": Rodas4,
    "rodas4p": Rodas4P,
}
ADJOINTS = {
    "recursive": diffrax.RecursiveCheckpointAdjoint,
    "forward": diffrax.ForwardMode,
    "direct": diffrax.DirectAdjoint,
}
ROOT_NOT_FOUND = -1
ENGINES = ("diffrax", "fused")
FUSED_SOLVERS = ("tsit5", "dopri5", "dopri8")


@dataclass(frozen=True)
class SolverConfig:
    """How to integrate: explicit Tsit5 by default; Rosenbrock (Rodas4P) or ESDIRK (Kvaerno) for stiff regions.

    Batched long solves (sensitivity analysis: 10 years, strong inflammation) are
    stability-limited for Tsit5 (up to ~2,200 steps); Kvaerno4 takes ~150 at the same
    accuracy, Rodas4P ~90 with one LU factorisation and no Newton iterations per step
    (:mod:`remodel_fit.rodas`), the fastest under ``vmap`` (benchmarks/RESULTS.md).
    """

    solver: Literal["tsit5", "dopri5", "dopri8", "kvaerno3", "kvaerno4", "kvaerno5", "rodas4", "rodas4p"] = "tsit5"
    rtol: float = 1e-6
    atol: float = 1e-8
    max_steps: int = 16384
    dt0: float | None = None
    adjoint: Literal["recursive", "forward", "direct"] = "recursive"
    engine: Literal["diffrax", "fused"] = "diffrax"
    """``fused``: :mod:`remodel_fit.fused`'s one-loop explicit integrator (steps end on the save
    times; forward-mode derivatives by the sensitivity equations, no reverse mode): the fast
    gradient inside NUTS (``gradient: forward``). ``diffrax``: any solver, any adjoint."""

    @property
    def uses_lineax(self) -> bool:
        """An ESDIRK (Kvaerno) solver: its Newton steps solve linear systems with lineax, which
        rejects ``shard_map``'s and ``pmap``'s sharded shapes (Rodas factorises with ``jax.numpy``)."""
        return self.solver.startswith("kvaerno")

    def __post_init__(self) -> None:
        if self.solver not in SOLVERS:
            raise ModelError(f"solver must be one of {sorted(SOLVERS)}, got {self.solver!r}")
        if self.adjoint not in ADJOINTS:
            raise ModelError(f"adjoint must be one of {sorted(ADJOINTS)}, got {self.adjoint!r}")
        if self.engine not in ENGINES:
            raise ModelError(f"engine must be one of {list(ENGINES)}, got {self.engine!r}")
        if self.engine == "fused" and self.solver not in FUSED_SOLVERS:
            raise ModelError(f"engine 'fused' integrates explicit solvers {list(FUSED_SOLVERS)}, got solver {self.solver!r}")
        if not (0 < self.rtol < 1 and 0 < self.atol < 1):
            raise ModelError(f"rtol and atol must lie in (0, 1), got {self.rtol}, {self.atol}")
        if self.max_steps < 1:
            raise ModelError(f"max_steps must be >= 1, got {self.max_steps}")


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
    if config.engine == "fused":
        solver = SOLVERS[config.solver]()
        zs, status = erk_solve(
            _normalised_field(model), solver.tableau, y0_safe / scale, (p, inputs, scale), times, jumps, t0,
            rtol=config.rtol, atol=config.atol, max_steps=config.max_steps, error_order=solver.order(None),
        )
        solve_ok = status[0] > 0.5
        code = jnp.where(solve_ok, diffrax.RESULTS.successful._value, diffrax.RESULTS.max_steps_reached._value)
        return _solution(model, times, zs * scale, y0, y0_safe, p, inputs, root_ok, solve_ok, code, status[1].astype(jnp.int32))

    def rhs(t, z, args):
        return model.vector_field(t, z * scale, p, inputs) / scale

    controller = diffrax.ClipStepSizeController(
        diffrax.PIDController(rtol=config.rtol, atol=config.atol), jump_ts=jumps
    )
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(rhs),
        SOLVERS[config.solver](),
        t0=t0,
        t1=t1,
        dt0=config.dt0,
        y0=y0_safe / scale,
        saveat=diffrax.SaveAt(ts=times),
        stepsize_controller=controller,
        max_steps=config.max_steps,
        adjoint=ADJOINTS[config.adjoint](),
        throw=False,
    )
    solve_ok = sol.result == diffrax.RESULTS.successful
    return _solution(model, times, sol.ys * scale, y0, y0_safe, p, inputs, root_ok, solve_ok, sol.result._value, sol.stats["num_steps"])


def _normalised_field(model: Model):
    """The vector field of states divided by ``scale``: ``f(t, z, (p, inputs, scale))``."""

    def field(t, z, args):
        p, inputs, scale = args
        return model.vector_field(t, z * scale, p, inputs) / scale

    return field


def _solution(model, times, states, y0, y0_safe, p, inputs, root_ok, solve_ok, code, steps) -> Solution:
    """Observables at ``times`` and the combined status of the steady state and the solve."""
    observables = jax.vmap(lambda t, y: model.observe(t, y, y0_safe, p, inputs))(times, states)
    result = jnp.where(root_ok, code, ROOT_NOT_FOUND)
    return Solution(times, states, observables, y0, root_ok & solve_ok, result, steps)


def failure_reason(result: int | np.ndarray) -> str:
    """Human-readable reason for a result code (0 means success)."""
    code = int(np.asarray(result))
    if code == 0:
        return "success"
    if code == ROOT_NOT_FOUND:
        return "steady state not found: the root of the steady-state equation is not bracketed for these parameters"
    return diffrax.RESULTS._index_to_message[code].split("\n")[0]


def _check(model: Model, params: Mapping, inputs: Mapping) -> None:
    """Static checks (names always; values only when concrete, i.e. outside jit/vmap)."""
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
