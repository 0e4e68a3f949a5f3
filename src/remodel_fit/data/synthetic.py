"""The bundled synthetic inflammation cohort: simulated from documented truth and a seed.

Groups (``n_per_group`` subjects each, config ``synthetic``):

- ``healthy``: cytokines around the model's reference levels;
- ``inflamed``: chronic inflammation, TNF-alpha ~ 23 pg/mL and IL-6 ~ 30 pg/mL (group medians);
- ``inflamed_antitnf``: as inflamed, plus anti-TNF 40 mg every 14 days from day 182 to the end.

Truth: the model's default parameters with the config's overrides are the population
values. Each subject's baseline scales (``bmd_ls0, bmd_th0, ctx0, p1np0, opg0, rankl0``)
are the population value times a log-normal multiplier (median 1, log-sd from config), and
each subject's TNF-alpha and IL-6 are the group median times their own log-normal
multiplier. The measured cytokine level is taken as the model input: it enters the
conditions table as a level from day 0 (IL-1 stays at its reference). Inflammation starts
at day 0 from the healthy steady state.

Measurements: DXA BMD (lumbar spine, total hip) at 0, 6, 12, 24 months; CTX and P1NP at 0,
1, 3, 6, 12, 18, 24 months; serum OPG and RANKL at 0, 12, 24 months. Noise is log-normal
and median-unbiased: ``value = true * exp(s z)``, ``s = sqrt(log(1 + cv^2))``, ``z ~ N(0, 1)``.
Values and levels are written with 6 significant digits (what a lab reports); the
simulation uses the written levels, so the files are the whole truth. Every subject is
solved in one ``jax.jit(jax.vmap(...))`` call. Same config and seed give byte-identical files.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..errors import ConfigError, ModelError, RemodelFitError
from ..io import write_json
from ..model.base import Model
from ..seeds import stage_seed
from ..solve.results import failure_reason
from ..solve.simulate import simulate
from .build import build_dataset, build_inputs
from .dataset import Dataset
from .tables import ALL_SUBJECTS, CONDITION_COLUMNS, GROUP, INPUT, MEASUREMENT_COLUMNS, OBSERVABLE, SD, SUBJECT, TIME, UNIT, VALUE, write_table
from .validate import validate_conditions, validate_measurements
from ..validation import validated

GROUPS: tuple[str, ...] = ("healthy", "inflamed", "inflamed_antitnf")
TREATED = "inflamed_antitnf"
SCALES: tuple[str, ...] = ("bmd_ls0", "bmd_th0", "ctx0", "p1np0", "opg0", "rankl0")
CYTOKINES: tuple[str, ...] = ("tnf", "il6")
FILES = ("measurements.csv", "conditions.csv", "truth.json")
DIGITS = 6


@dataclass(frozen=True)
class Cohort:
    """The generated tables, the truth to score fits against, and the Dataset built in memory."""

    measurements: pd.DataFrame
    conditions: pd.DataFrame
    truth: dict
    dataset: Dataset


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


LogSd = Annotated[float, Field(ge=0, le=2)]
Positive = Annotated[float, Field(gt=0, le=10000)]
Observed = Literal["bmd_ls", "bmd_th", "ctx", "p1np", "opg", "rankl"]


def _distinct(days: list[float]) -> list[float]:
    if len(set(days)) != len(days):
        raise ValueError(f"visit days {days} repeat a day; expected distinct days")
    return days


VisitDays = Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=1), AfterValidator(_distinct)]


class RandomEffectsSd(_Section):
    """sd of the log-normal subject multipliers (log scale)."""

    bmd_ls0: LogSd = 0.1
    bmd_th0: LogSd = 0.1
    ctx0: LogSd = 0.3
    p1np0: LogSd = 0.3
    opg0: LogSd = 0.25
    rankl0: LogSd = 0.3
    cytokines: LogSd = Field(0.3, description="subject multipliers of the TNF-alpha and IL-6 levels")


class InflamedLevels(_Section):
    """Group medians (pg/mL) of the cytokine levels of the inflamed groups."""

    tnf: Positive = 23.0
    il6: Positive = 30.0


class AntiTnfRegimen(_Section):
    """Anti-TNF regimen of the inflamed_antitnf group (from start_day until duration_days)."""

    dose_mg: Positive = 40.0
    interval_days: Annotated[float, Field(gt=0, le=3650)] = 14
    start_day: Annotated[float, Field(ge=0, le=36500)] = 182


class SyntheticSettings(_Section):
    """The synthetic inflammation cohort (groups healthy, inflamed, inflamed_antitnf)."""

    n_per_group: int = Field(30, ge=1, le=1000, description="subjects in each of the groups healthy, inflamed, inflamed_antitnf")
    parameters: dict[str, float] = Field(default_factory=dict, description="population truth = model defaults with these overrides (name -> value)")
    random_effects_sd: RandomEffectsSd = Field(default_factory=RandomEffectsSd, description=RandomEffectsSd.__doc__)
    inflamed_levels: InflamedLevels = Field(default_factory=InflamedLevels, description=InflamedLevels.__doc__)
    anti_tnf: AntiTnfRegimen = Field(default_factory=AntiTnfRegimen, description=AntiTnfRegimen.__doc__)
    duration_days: Annotated[float, Field(gt=0, le=36500)] = Field(730, description="last study day (dosing stops before it)")
    visits: dict[Observed, VisitDays] = Field(
        default_factory=lambda: {
            "bmd_ls": [0, 182, 365, 730], "bmd_th": [0, 182, 365, 730],
            "ctx": [0, 30, 91, 182, 365, 547, 730], "p1np": [0, 30, 91, 182, 365, 547, 730],
            "opg": [0, 365, 730], "rankl": [0, 365, 730],
        },
        description="measurement days per observable",
    )
    noise_cv: dict[Observed, Annotated[float, Field(ge=0, le=5)]] = Field(
        default_factory=lambda: {"bmd_ls": 0.015, "bmd_th": 0.015, "ctx": 0.20, "p1np": 0.15, "opg": 0.20, "rankl": 0.20},
        description="coefficient of variation of the log-normal measurement noise per observable",
    )



def make_cohort(model: Model, settings: SyntheticSettings | Mapping, seed: int) -> Cohort:
    """Generate the cohort from ``settings`` (a :class:`SyntheticSettings` or its mapping)."""
    if not isinstance(settings, SyntheticSettings):
        settings = validated(SyntheticSettings, settings, "synthetic")
    settings = settings.model_dump()
    population = _population(model, settings)
    rng = np.random.default_rng(stage_seed(seed, "synthetic"))
    n = int(settings["n_per_group"])
    subjects = [f"{g}_{i:03d}" for g in GROUPS for i in range(1, n + 1)]
    groups = [g for g in GROUPS for _ in range(n)]
    scale_values, levels = _subject_truth(rng, population, settings, groups)

    conditions = _conditions(subjects, groups, levels, settings)
    design = _design(subjects, groups, model, settings["visits"])
    expanded = validate_conditions(conditions, model, design, "<synthetic conditions>", "<synthetic measurements>")
    true = _true_values(model, population, scale_values, build_inputs(expanded, tuple(subjects), model), design, subjects)
    cv = np.array([settings["noise_cv"][o] for o in design[OBSERVABLE]])
    noisy = true * np.exp(np.sqrt(np.log1p(cv**2)) * rng.standard_normal(len(true)))
    measurements = design.assign(**{VALUE: _round(noisy)})
    measurements = validate_measurements(measurements, model, "<synthetic measurements>").drop(columns="_line")
    truth = _truth(model, seed, population, settings, subjects, groups, scale_values, levels)
    return Cohort(measurements, conditions, truth, build_dataset(measurements, expanded, model))


def _population(model: Model, settings: dict) -> dict:
    """The population truth: the model defaults with the configured overrides."""
    missing = [n for n in (*SCALES, *(f"{c}_ref" for c in CYTOKINES)) if n not in model.parameter_names]
    missing += [n for n in (*CYTOKINES, "anti_tnf_mg") if n not in model.input_names]
    if missing:
        raise ConfigError(f"model: {model.name!r} lacks {missing[0]!r}; expected a model with the inflammation "
                          "cohort's parameters and inputs (bone_inflammation)")
    try:
        return model.params(dict(settings["parameters"]))
    except ModelError as err:
        raise ConfigError(f"synthetic.parameters: {err}") from None


def _subject_truth(rng, population: dict, settings: dict, groups: list[str]) -> tuple[dict, dict]:
    """Each subject's baseline scales and cytokine levels (log-normal around the population/group medians)."""
    re_sd = settings["random_effects_sd"]
    z_scales = rng.standard_normal((len(groups), len(SCALES)))
    z_cyt = rng.standard_normal((len(groups), len(CYTOKINES)))
    scale_values = {
        name: float(population[name]) * np.exp(re_sd[name] * z_scales[:, j]) for j, name in enumerate(SCALES)
    }
    medians = {c: np.array([_group_median(population, settings, g, c) for g in groups]) for c in CYTOKINES}
    levels = {c: _round(medians[c] * np.exp(re_sd["cytokines"] * z_cyt[:, j])) for j, c in enumerate(CYTOKINES)}
    return scale_values, levels


def _group_median(population: dict, settings: dict, group: str, cytokine: str) -> float:
    return float(population[f"{cytokine}_ref"]) if group == "healthy" else settings["inflamed_levels"][cytokine]


def _true_values(model: Model, population, scale_values, inputs, design: pd.DataFrame, subjects) -> np.ndarray:
    """The noise-free value of every design row: all subjects in one ``jit(vmap)`` solve."""
    grid = np.unique(np.concatenate([[0.0], design[TIME].to_numpy(float)]))
    per_subject = {k: jnp.full(len(subjects), v) for k, v in population.items()}
    per_subject.update({k: jnp.asarray(v) for k, v in scale_values.items()})
    observed = tuple(dict.fromkeys(design[OBSERVABLE]))
    solve = jax.jit(jax.vmap(lambda p, u: _observe(model, p, jnp.asarray(grid), u, observed)))
    ok, result, values = jax.device_get(solve(per_subject, inputs))
    if not np.all(ok):
        i = int(np.argmin(ok))
        raise RemodelFitError(f"synthetic cohort: the solve for subject {subjects[i]!r} failed: {failure_reason(result[i])}")
    index = {s: i for i, s in enumerate(subjects)}
    return np.array([
        values[o][index[s], t]
        for s, o, t in zip(design[SUBJECT], design[OBSERVABLE], np.searchsorted(grid, design[TIME].to_numpy(float)))
    ])


def _truth(model, seed, population, settings, subjects, groups, scale_values, levels) -> dict:
    """Every true value of the cohort (``truth.json``)."""
    return {
        "model": model.name,
        "seed": int(seed),
        "stage_seed": stage_seed(seed, "synthetic"),
        "population": {k: float(v) for k, v in population.items()},
        "overrides": dict(settings["parameters"]),
        "random_effects_sd": dict(settings["random_effects_sd"]),
        "random_effects": "log-normal: subject value = population value * exp(sd * z), z ~ N(0, 1)",
        "group_cytokine_medians": {g: {c: _group_median(population, settings, g, c) for c in CYTOKINES} for g in GROUPS},
        "anti_tnf": dict(settings["anti_tnf"], group=TREATED, until_day=settings["duration_days"]),
        "noise_cv": dict(settings["noise_cv"]),
        "noise_model": "value = true * exp(sqrt(log(1 + cv^2)) * z), z ~ N(0, 1)",
        "subjects": {
            s: {
                "group": g,
                "parameters": {k: float(scale_values[k][i]) for k in SCALES},
                "inputs": {c: float(levels[c][i]) for c in CYTOKINES},
            }
            for i, (s, g) in enumerate(zip(subjects, groups))
        },
    }


def write_cohort(cohort: Cohort, outdir: str | os.PathLike) -> list[Path]:
    """Write ``measurements.csv``, ``conditions.csv`` and ``truth.json`` (each atomically)."""
    outdir = Path(outdir)
    paths = [outdir / f for f in FILES]
    write_table(paths[0], cohort.measurements)
    write_table(paths[1], cohort.conditions)
    write_json(paths[2], cohort.truth)
    return paths


def _observe(model: Model, p, grid, inputs, observed):
    sol = simulate(model, p, grid, inputs)
    return sol.ok, sol.result, {o: sol.observables[o] for o in observed}


def _conditions(subjects, groups, levels, settings) -> pd.DataFrame:
    rows = [
        {SUBJECT: s, GROUP: g, TIME: 0.0, INPUT: c, VALUE: float(levels[c][i])}
        for i, (s, g) in enumerate(zip(subjects, groups))
        for c in CYTOKINES
    ]
    regimen = settings["anti_tnf"]
    dose_times = np.arange(regimen["start_day"], settings["duration_days"], regimen["interval_days"], dtype=float)
    rows += [{SUBJECT: ALL_SUBJECTS, GROUP: TREATED, TIME: float(t), INPUT: "anti_tnf_mg", VALUE: float(regimen["dose_mg"])}
             for t in dose_times]
    return pd.DataFrame(rows, columns=list(CONDITION_COLUMNS))


def _design(subjects, groups, model: Model, visits: Mapping) -> pd.DataFrame:
    """Measurement rows (value to fill) in visit order: subject, time, observable (model order)."""
    units = {o.name: o.unit for o in model.observables}
    order = [o for o in model.observable_names if o in visits]
    rows = []
    for s, g in zip(subjects, groups):
        times = sorted({float(t) for o in order for t in visits[o]})
        for t in times:
            rows += [{SUBJECT: s, GROUP: g, TIME: t, OBSERVABLE: o, VALUE: math.nan, SD: math.nan, UNIT: units[o]}
                     for o in order if t in {float(x) for x in visits[o]}]
    return pd.DataFrame(rows, columns=list(MEASUREMENT_COLUMNS))


def _round(x: np.ndarray) -> np.ndarray:
    return np.array([float(f"{v:.{DIGITS}g}") for v in np.asarray(x, dtype=float)])
