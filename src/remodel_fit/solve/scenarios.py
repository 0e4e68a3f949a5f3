"""Scenarios: named input schedules (levels and doses) simulated into tidy tables.

A scenario has optional ``levels`` (input -> list of [time, value] steps) and ``doses``
(input -> ``{start, every, amount, until}`` or ``{times: [...], amounts: [...]}``)::

    inflamed_antitnf:
      levels: {tnf: [[0, 23]], il6: [[0, 30]]}
      doses: {anti_tnf_mg: {start: 182, every: 14, amount: 40}}

:class:`Scenario` is the validated form (the config's ``scenarios.items`` and
``fit.predict.scenarios`` use it); :func:`scenario_inputs` checks it against a model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import ConfigError, ModelError
from ..validation import validated
from ..model.base import Model, Params
from ..model.inputs import DoseSchedule, LevelSchedule, doses, every, level
from .options import SolverConfig
from .results import failure_reason
from .simulate import Solution, simulate

NonNegative = Annotated[float, Field(ge=0)]


class Regimen(BaseModel):
    """Doses of ``amount`` every ``every`` days from ``start`` (before ``until``; default: the
    horizon), or the explicit ``times`` and ``amounts``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: NonNegative | None = None
    every: Annotated[float, Field(gt=0)] | None = None
    amount: NonNegative | None = None
    until: float | None = None
    times: list[NonNegative] | None = None
    amounts: list[NonNegative] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Regimen:
        if self.times is not None:
            if self.amounts is None or len(self.amounts) != len(self.times):
                raise ValueError("times needs amounts of the same length")
        elif None in (self.start, self.every, self.amount):
            missing = [k for k in ("start", "every", "amount") if getattr(self, k) is None]
            raise ValueError(f"missing {missing}; expected start, every, amount (until optional) or times, amounts")
        return self


class Scenario(BaseModel):
    """One scenario: a description, level steps per level input, regimens per dose input."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    levels: dict[str, list[tuple[float, NonNegative]]] = Field(default_factory=dict)
    doses: dict[str, Regimen] = Field(default_factory=dict)


def scenario_inputs(model: Model, spec: Scenario | Mapping, *, horizon: float, key: str = "scenario") -> dict:
    """Build the input schedules of one scenario, validated against ``model``."""
    if not isinstance(spec, Scenario):
        spec = validated(Scenario, spec, key)
    inputs: dict[str, LevelSchedule | DoseSchedule] = {}
    for name, steps in spec.levels.items():
        where = f"{key}.levels.{name}"
        _expect_input(model, name, "level", where)
        arr = np.asarray(steps, dtype=float).reshape(-1, 2)
        inputs[name] = _wrap(lambda: level(arr[:, 0], arr[:, 1]), where)
    for name, regimen in spec.doses.items():
        where = f"{key}.doses.{name}"
        _expect_input(model, name, "dose", where)
        if regimen.times is not None:
            inputs[name] = _wrap(lambda: doses(regimen.times, regimen.amounts), where)
        else:
            until = float(regimen.until if regimen.until is not None else horizon + 1e-9)
            inputs[name] = _wrap(lambda: every(regimen.start, regimen.every, regimen.amount, until), where)
    return inputs


def run_scenarios(
    model: Model,
    params: Params,
    specs: Mapping[str, Scenario | Mapping],
    times: np.ndarray,
    *,
    config: SolverConfig = SolverConfig(),
) -> tuple[pd.DataFrame, dict[str, Solution]]:
    """Simulate every scenario; return a tidy table (scenario, time_days, quantity, value, kind)."""
    solve = jax.jit(lambda p, inputs: simulate(model, p, times, inputs, config=config))
    frames, solutions = [], {}
    for name, spec in specs.items():
        inputs = scenario_inputs(model, spec, horizon=float(times[-1]), key=f"scenarios.{name}")
        sol = solve(params, inputs)
        if not bool(sol.ok):
            raise ModelError(f"scenario {name!r}: the solve failed: {failure_reason(sol.result)}")
        solutions[name] = sol
        frames.append(tidy_solution(model, sol, params, inputs, scenario=name))
    return pd.concat(frames, ignore_index=True), solutions


def tidy_solution(model: Model, sol: Solution, params: Params, inputs: Mapping, *, scenario: str) -> pd.DataFrame:
    """States, auxiliaries and observables of one solution as long rows."""
    ts = np.asarray(sol.ts)
    columns: dict[str, tuple[str, np.ndarray]] = {}
    for i, state in enumerate(model.states):
        columns[state] = ("state", np.asarray(sol.states[:, i]))
    if model.auxiliaries is not None:
        p = model.prepared(params, inputs)
        aux = jax.vmap(lambda t, y: model.auxiliaries(t, y, p, inputs))(sol.ts, sol.states)
        for k, v in aux.items():
            columns.setdefault(k, ("auxiliary", np.asarray(v)))
    for k, v in sol.observables.items():
        columns[k] = ("observable", np.asarray(v))
    rows = [
        pd.DataFrame({"scenario": scenario, "time_days": ts, "quantity": k, "kind": kind, "value": v})
        for k, (kind, v) in columns.items()
    ]
    return pd.concat(rows, ignore_index=True)


def _expect_input(model: Model, name: str, kind: str, where: str) -> None:
    try:
        spec = model.input(name)
    except ModelError as err:
        raise ConfigError(f"{where}: {err}") from None
    if spec.kind != kind:
        raise ConfigError(f"{where}: input {name!r} is a {spec.kind}, listed under {kind}s")


def _wrap(build, where: str):
    try:
        return build()
    except (ModelError, KeyError, TypeError, ValueError) as err:
        raise ConfigError(f"{where}: {err}") from None


def time_grid(horizon_days: float, n_times: int) -> np.ndarray:
    """Evenly spaced save times from 0 to the horizon."""
    if horizon_days <= 0 or n_times < 2:
        raise ConfigError(f"scenarios: need horizon_days > 0 and n_times >= 2, got {horizon_days}, {n_times}")
    return np.linspace(0.0, float(horizon_days), int(n_times))


def baseline(model: Model, params: Params) -> dict[str, float]:
    """Initial state and auxiliaries at t = 0, keyed by the names the model declares."""
    p = model.prepared(params, {})
    y0 = model.initial_state(p, {})
    out = {name: float(y0[i]) for i, name in enumerate(model.states)}
    if model.auxiliaries is not None:
        out.update({k: float(v) for k, v in model.auxiliaries(jnp.asarray(0.0), y0, p, {}).items()})
    residual = model.vector_field(jnp.asarray(0.0), y0, p, {})
    out["max_abs_residual"] = float(jnp.max(jnp.abs(residual)))
    return out
