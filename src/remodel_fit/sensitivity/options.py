"""Options of a sensitivity study (Sobol' with convergence, Morris, DGSM): the one home of their
defaults; the config's ``gsa`` section extends them with the application's inputs and outputs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .problem import power_of_two
from ..validation import Flag


class MorrisDesign(BaseModel):
    """Morris screening design."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trajectories: int = Field(64, ge=2, description="number of trajectories (d + 1 runs each)")
    levels: int = Field(4, ge=2, description="grid levels per input")


class StudyOptions(BaseModel):
    """How many samples, which indices, what to do with failed evaluations, and where to run them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n: int = Field(1024, description="Sobol' base points N (a power of 2); the design has N (2d + 2) rows with "
                   "second order, N (d + 2) without")
    second_order: Flag = Field(True, description="also estimate second-order indices S2 (pairs) at the horizons")
    chunk: int = Field(4096, ge=1, description="rows evaluated per compiled jit(vmap) call (memory bound; vmap runs "
                       "a chunk in lockstep)")
    devices: int = Field(2, ge=1, description="host CPU devices to shard each chunk over; with a solver that cannot "
                         "be sharded (Kvaerno) the Sobol' design is spread over this many worker processes instead")
    failure_policy: Literal["fail", "exclude"] = Field(
        "exclude", description="failed evaluations (solver failure or non-finite output) raise (fail) or drop their "
        "design block with a warning (exclude); always counted in failures.json")
    morris: MorrisDesign = Field(default_factory=MorrisDesign, description=MorrisDesign.__doc__)
    dgsm_n: int = Field(256, ge=2, description="QMC points for derivative-based measures (power of 2; each costs a "
                        "forward-mode Jacobian)")
    convergence_n: list[int] = Field([256, 512, 1024, 2048], description="base-point counts (powers of 2) of the "
                                     "convergence study; the design is evaluated once at max(n, max(convergence_n))")
    num_resamples: int = Field(100, ge=10, description="bootstrap resamples of the confidence intervals")
    conf_level: Annotated[float, Field(gt=0, lt=1)] = Field(0.95, description="confidence level of the intervals "
                                                            "(and of ci_overlaps_zero)")

    @field_validator("n")
    @classmethod
    def _n(cls, v: int) -> int:
        return power_of_two(v, "n")

    @field_validator("convergence_n")
    @classmethod
    def _convergence(cls, v: list[int]) -> list[int]:
        return [power_of_two(x, "convergence_n") for x in v]
