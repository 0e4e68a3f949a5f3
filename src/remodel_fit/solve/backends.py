"""Solver backends as strategy objects: diffrax (any solver, any adjoint) and the fused loop.

A backend integrates a normalised vector field ``field(t, z, args)`` from ``t0`` and returns
the states at the save times, a success flag, a result code of :class:`~.results.RESULTS`
and the number of steps. :func:`backend` picks the backend of a :class:`SolverConfig`; the
solver names resolve to classes here, and only here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import diffrax
import jax.numpy as jnp

from .fused import erk_solve, rosenbrock_solve
from .options import SolverConfig
from .results import RESULTS
from .rodas import Rodas4, Rodas4P

SOLVERS: dict[str, type[diffrax.AbstractSolver]] = {
    "tsit5": diffrax.Tsit5,
    "dopri5": diffrax.Dopri5,
    "dopri8": diffrax.Dopri8,
    "kvaerno3": diffrax.Kvaerno3,
    "kvaerno4": diffrax.Kvaerno4,
    "kvaerno5": diffrax.Kvaerno5,
    "rodas4": Rodas4,
    "rodas4p": Rodas4P,
}
ADJOINTS: dict[str, type[diffrax.AbstractAdjoint]] = {
    "recursive": diffrax.RecursiveCheckpointAdjoint,
    "forward": diffrax.ForwardMode,
    "direct": diffrax.DirectAdjoint,
}

Field = Callable[[jnp.ndarray, jnp.ndarray, Any], jnp.ndarray]


class Integration(NamedTuple):
    """States at the save times, success flag, result code (int) and steps taken."""

    states: jnp.ndarray
    ok: jnp.ndarray
    code: jnp.ndarray
    steps: jnp.ndarray


class Backend(Protocol):
    def integrate(self, field: Field, z0, args, times, jumps, t0, t1, config: SolverConfig) -> Integration: ...


class DiffraxBackend:
    """``diffrax.diffeqsolve`` with a PID controller clipped to the input jump times."""

    def integrate(self, field, z0, args, times, jumps, t0, t1, config: SolverConfig) -> Integration:
        controller = diffrax.ClipStepSizeController(
            diffrax.PIDController(rtol=config.rtol, atol=config.atol), jump_ts=jumps
        )
        sol = diffrax.diffeqsolve(
            diffrax.ODETerm(field),
            SOLVERS[config.solver](),
            t0=t0,
            t1=t1,
            dt0=config.dt0,
            y0=z0,
            args=args,
            saveat=diffrax.SaveAt(ts=times),
            stepsize_controller=controller,
            max_steps=config.max_steps,
            adjoint=ADJOINTS[config.adjoint](),
            throw=False,
        )
        return Integration(sol.ys, sol.result == diffrax.RESULTS.successful, sol.result._value, sol.stats["num_steps"])


class FusedBackend:
    """:mod:`~.fused`: one while loop over an explicit or a Rodas tableau, forward-mode derivatives."""

    def integrate(self, field, z0, args, times, jumps, t0, t1, config: SolverConfig) -> Integration:
        solver = SOLVERS[config.solver]()
        tolerances = dict(rtol=config.rtol, atol=config.atol, max_steps=config.max_steps,
                          tangent_tolerance=config.sensitivity_tolerance)
        if isinstance(solver, Rodas4):
            zs, status = rosenbrock_solve(field, solver.tableau, z0, args, times, jumps, t0, **tolerances)
        else:
            zs, status = erk_solve(field, solver.tableau, z0, args, times, jumps, t0, **tolerances,
                                   error_order=solver.order(None))
        ok = status[0] > 0.5
        code = jnp.where(ok, RESULTS.successful._value, RESULTS.max_steps_reached._value)
        return Integration(zs, ok, code, status[1].astype(jnp.int32))


BACKENDS: dict[str, Backend] = {"diffrax": DiffraxBackend(), "fused": FusedBackend()}


def backend(config: SolverConfig) -> Backend:
    """The backend that integrates with ``config`` (its ``engine``)."""
    return BACKENDS[config.engine]
