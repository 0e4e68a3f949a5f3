"""How to integrate: the one home of the solver settings and their defaults.

``SolverConfig`` is a frozen pydantic dataclass: built in Python (``SolverConfig(rtol=1e-9)``)
or validated from a config section by :mod:`remodel_fit.settings`, with the same defaults and
bounds either way; its JSON schema is part of the workflow's.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from ..errors import ModelError
from ..validation import Flag

SolverName = Literal["tsit5", "dopri5", "dopri8", "kvaerno3", "kvaerno4", "kvaerno5", "rodas4", "rodas4p"]
AdjointName = Literal["recursive", "forward", "direct"]
EngineName = Literal["diffrax", "fused"]
FUSED_SOLVERS: tuple[str, ...] = ("tsit5", "dopri5", "dopri8", "rodas4", "rodas4p")
"""Solvers the fused engine integrates: explicit Runge-Kutta (diffrax's tableaux) and Rodas (:mod:`.rodas`)."""


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class SolverConfig:
    """Solver, tolerances and engine. Explicit Tsit5 by default; Rosenbrock (Rodas4P) or ESDIRK
    (Kvaerno) for stiff regions (batched 10-year sensitivity solves: Tsit5 is stability-limited
    at up to ~2,200 steps, Rodas4P takes ~90)."""

    solver: SolverName = Field(
        "tsit5",
        description="tsit5, dopri5, dopri8 (explicit); kvaerno3/4/5 (ESDIRK, Newton with lineax); rodas4, rodas4p "
        "(Rosenbrock: one LU per step, no Newton iterations; rodas4p is free of order reduction on stiff "
        "non-autonomous problems)",
    )
    rtol: float = Field(1e-6, gt=0, lt=1, description="relative tolerance")
    atol: float = Field(1e-8, gt=0, lt=1, description="absolute tolerance (states are normalised to ~1)")
    max_steps: int = Field(16384, ge=1, le=1_000_000, description="step limit; a solve that reaches it fails")
    dt0: float | None = Field(None, gt=0, description="initial step (days); null: the solver's own choice")
    adjoint: AdjointName = Field(
        "recursive", description="reverse-mode method of the diffrax engine (recursive checkpointing, forward, direct)"
    )
    engine: EngineName = Field(
        "diffrax",
        description="diffrax: any solver, any derivative. fused: the one-loop integrator of explicit solvers "
        "(tsit5, dopri5, dopri8) and of the Rosenbrock solvers (rodas4, rodas4p; stiff fields); steps end on the "
        "save times and input jumps; derivatives by the forward sensitivity equations, forward mode only. Fits "
        "that differentiate in forward mode use fused unless the engine is set",
    )
    sensitivity_control: Flag = Field(
        True,
        description="fused engine, forward-mode fits: the sensitivities' error controls the step size too (CVODES' "
        "errconS; one step sequence for every tangent). false: the states alone, cheaper, but the sensitivities can go "
        "unstable where the states are accurate (benchmarks/RESULTS.md, 'Sensitivity error control')",
    )
    sensitivity_tolerance: float = Field(
        1.0,
        ge=1.0,
        le=1e6,
        description="with sensitivity_control: the sensitivities' rtol and atol as multiples of the states' (CVODES "
        "sets them apart too). Larger: fewer steps and a coarser gradient, which costs NUTS acceptance, not "
        "correctness (leapfrog stays reversible and volume-preserving under any deterministic force); a blow-up is "
        "still caught",
    )

    def __post_init__(self) -> None:
        if self.engine == "fused" and self.solver not in FUSED_SOLVERS:
            raise ModelError(f"engine 'fused' integrates solvers {list(FUSED_SOLVERS)}, got solver {self.solver!r}")

    @property
    def uses_lineax(self) -> bool:
        """An ESDIRK (Kvaerno) solver: its Newton steps solve linear systems with lineax, which
        rejects ``shard_map``'s and ``pmap``'s sharded shapes (Rodas factorises with ``jax.numpy``)."""
        return self.solver.startswith("kvaerno")
