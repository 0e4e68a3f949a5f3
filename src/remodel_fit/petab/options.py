"""The options of the PEtab route: the ODE solver of an imported problem (:class:`SolverOptions`)
and what one NUTS fit of a problem needs (:class:`PetabFitOptions`). Light: no PEtab, SBML or
sympy import, so the config layer can validate them without the optional extra."""

from __future__ import annotations

import dataclasses
from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from ..inference.options import NutsOptions


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class SolverOptions:
    """ODE solver of a PEtab problem: Kvaerno5 (stiff-safe default) or Tsit5, PID tolerances, gradient mode."""

    solver: Literal["kvaerno5", "rodas4", "rodas4p", "tsit5"] = Field(
        "kvaerno5", description="kvaerno5 (ESDIRK, stiff-safe), rodas4/rodas4p (Rosenbrock, stiff-safe; unlike "
        "kvaerno5 they run under pmap, i.e. parallel chains) or tsit5 (explicit, non-stiff)")
    rtol: float = Field(1e-8, gt=0, description="relative tolerance of the PID step-size controller")
    atol: float = Field(1e-10, gt=0, description="absolute tolerance of the PID step-size controller")
    max_steps: int = Field(100_000, ge=1, description="largest number of steps of one solve (more: the solve fails)")
    preequilibration_t1: float = Field(1e9, gt=0, description="end time of a pre-equilibration (steady-state event)")
    mode: Literal["forward", "reverse"] = Field("reverse", description="gradient mode (a fit sets it from nuts.gradient)")

    def make_solver(self):
        import diffrax

        from ..solve.rodas import Rodas4, Rodas4P

        return {"kvaerno5": diffrax.Kvaerno5, "rodas4": Rodas4, "rodas4p": Rodas4P, "tsit5": diffrax.Tsit5}[self.solver]()

    @property
    def shardable(self) -> bool:
        """False for Kvaerno5: its linear solves (lineax) fail under ``pmap`` and ``shard_map``."""
        return self.solver != "kvaerno5"

    def adjoint(self):
        import diffrax

        return diffrax.ForwardMode() if self.mode == "forward" else diffrax.RecursiveCheckpointAdjoint()


@dataclasses.dataclass(frozen=True)
class PetabFitOptions:
    """One NUTS fit of a PEtab problem (built from a config by :mod:`remodel_fit.settings`, or directly)."""

    name: str
    """The fit's name: seeds derive from ``stage_key(seed, 'fit:<name>')``."""
    nuts: NutsOptions = dataclasses.field(default_factory=NutsOptions)
    solver: SolverOptions = dataclasses.field(default_factory=SolverOptions)
    """``mode`` is overridden by the gradient mode of ``nuts`` (:func:`~remodel_fit.inference.options.gradient_mode`)."""
    seed: int = 0
    config_hash: str = ""
    """sha256 of the config section the options came from (provenance)."""
