"""The sensitivity study of the mission model: which cytokine parameters drive bone loss.

Inputs are cytokine parameters (``tnf_e_rankl``, ``il6_ec50``, ...) and cytokine levels
``{c}_level`` (pg/mL, constant from the onset of inflammation, ``onset_days`` after the healthy
baseline), over the ranges of :data:`DEFAULT_RANGES` or a fit's posterior quantiles; outputs are
BMD change from baseline (per cent) and the markers after 1, 5 and 10 years of inflammation and
over a time grid from baseline, so the indices over time show which pathway drives each output
early and late (before the onset nothing varies and every index is 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..model.base import Model
from ..sensitivity.model_problem import FORWARD, LEVEL_SUFFIX, ModelProblem, model_problem
from ..solve.options import SolverConfig
from .cytokines import CYTOKINES
from .inflammation import BONE_INFLAMMATION

DEFAULT_OUTPUTS: tuple[str, ...] = ("bmd_ls_rel", "bmd_th_rel", "ctx_rel", "p1np_rel", "opg_rankl")
PERCENT_CHANGE: frozenset[str] = frozenset({"bmd_ls_rel", "bmd_th_rel"})
DAYS_PER_YEAR = 365.25
DEFAULT_RANGES: dict[str, list[float]] = {
    "tnf_level": [5.0, 60.0],
    "il1_level": [1.0, 20.0],
    "il6_level": [5.0, 60.0],
    **{f"{c}_e_{arm}": [0.0, 3.0] for c in CYTOKINES for arm in ("rankl", "opg", "ob")},
    "tnf_ec50": [5.0, 60.0],
    "il1_ec50": [1.0, 20.0],
    "il6_ec50": [5.0, 60.0],
}
"""Assumed prior ranges of the cytokine inputs (docs/model.md)."""
DEFAULT_ONSET_DAYS = 91.3125
"""Inflammation starts a quarter year after the healthy baseline (assumed, so the indices over time
show the onset)."""
DEFAULT_GRID = [float(t) for t in np.linspace(0.0, DEFAULT_ONSET_DAYS + 10 * DAYS_PER_YEAR, 42)]
"""Every quarter year (91.3125 days, exact in binary) from baseline to 10 years after the onset."""


class BoneStudyOptions(BaseModel):
    """Inputs, outputs and times of the study, and the solver overrides for its batched solves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parameters: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: {k: tuple(v) for k, v in DEFAULT_RANGES.items()},
        description="inputs and their prior ranges [low, high] (uniform): model parameters (e.g. tnf_e_rankl, "
        "il6_ec50) or cytokine levels {tnf,il1,il6}_level (pg/mL, constant from t = 0)",
    )
    outputs: list[str] = Field(list(DEFAULT_OUTPUTS), min_length=1, description="model observables analysed; "
                               "bmd_*_rel are reported as per cent change from baseline")
    onset_days: float = Field(DEFAULT_ONSET_DAYS, ge=0, description="day the varied cytokine levels start "
                              "(before it every input is at its healthy reference)")
    horizon_years: list[float] = Field([1.0, 5.0, 10.0], min_length=1, description="years of inflammation (after "
                                       "the onset) of the headline indices (sobol.csv, Morris, DGSM, convergence)")
    time_grid_days: list[float] = Field(DEFAULT_GRID, description="days since baseline of the indices over time "
                                        "(sobol_time.csv, heatmap, drivers figure); the default has 42 points from "
                                        "baseline to 10 years after the onset")
    posterior_quantiles: tuple[float, float] = Field((0.05, 0.95), description="with --posterior, ranges of "
                                                     "parameters present in the fit's posterior are these quantiles")
    solver: dict = Field(
        default_factory=lambda: {"solver": "rodas4p"},
        description="overrides of the top-level solver section for the sensitivity solves (batched 10-year solves "
        "are stiff for Tsit5; Rodas4P shards over host devices); the adjoint is always forward mode (DGSM)",
    )

    @field_validator("parameters")
    @classmethod
    def _ranges(cls, v: dict) -> dict:
        for name, (lo, hi) in v.items():
            if not lo < hi:
                raise ValueError(f"{name}: expected [low, high] with low < high, got [{lo:g}, {hi:g}]")
        return v

    @field_validator("horizon_years")
    @classmethod
    def _positive(cls, v: list[float]) -> list[float]:
        if any(x <= 0 for x in v):
            raise ValueError(f"expected positive years, got {v}")
        return v

    @field_validator("time_grid_days")
    @classmethod
    def _non_negative(cls, v: list[float]) -> list[float]:
        if any(x < 0 for x in v):
            raise ValueError(f"expected days >= 0, got {v}")
        return v

    @field_validator("posterior_quantiles")
    @classmethod
    def _quantiles(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= v[0] < v[1] <= 1:
            raise ValueError(f"expected 0 <= low < high <= 1, got {list(v)}")
        return v

    @property
    def horizon_days(self) -> list[float]:
        """Days since baseline of the headline indices: the onset plus each horizon."""
        return [self.onset_days + float(y) * DAYS_PER_YEAR for y in self.horizon_years]


def cytokine_parameter_names(arms: Sequence[str] = ("rankl", "opg", "ob"), *, ec50: bool = True) -> list[str]:
    """Level, effect-strength and EC50 input names of the three cytokines."""
    names = [f"{c}{LEVEL_SUFFIX}" for c in CYTOKINES]
    names += [f"{c}_e_{arm}" for c in CYTOKINES for arm in arms]
    return names + ([f"{c}_ec50" for c in CYTOKINES] if ec50 else [])


def bone_problem(
    bounds: Mapping[str, Sequence[float]],
    *,
    times_days: Sequence[float],
    outputs: Sequence[str] = DEFAULT_OUTPUTS,
    solver: SolverConfig = FORWARD,
    model: Model = BONE_INFLAMMATION,
    onset_days: float = 0.0,
) -> ModelProblem:
    """The study's problem over ``bounds`` with ``outputs`` at ``times_days`` (BMD as per cent change),
    cytokine levels from ``onset_days``."""
    return model_problem(model, bounds, times_days=times_days, outputs=outputs, solver=solver,
                         percent_change=PERCENT_CHANGE, onset=onset_days)
