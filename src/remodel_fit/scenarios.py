"""Scenarios: named input schedules from config, simulated into tidy tables.

A scenario spec (YAML/dict) has optional ``levels`` (input -> list of [time, value]
steps) and ``doses`` (input -> ``{start, every, amount, until}`` or
``{times: [...], amounts: [...]}``)::

    inflamed_antitnf:
      levels: {tnf: [[0, 23]], il6: [[0, 30]]}
      doses: {anti_tnf_mg: {start: 182, every: 14, amount: 40}}
"""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from .errors import ConfigError
from .model.inputs import DoseSchedule, LevelSchedule, doses, every, level
from .model.spec import Model, ModelError, Params
from .simulate import Solution, SolverConfig, failure_reason, simulate


def scenario_inputs(model: Model, spec: Mapping, *, horizon: float, key: str = "scenario") -> dict:
    """Build the input schedules of one scenario spec, validated against ``model``."""
    unknown = set(spec) - {"levels", "doses", "description"}
    if unknown:
        raise ConfigError(f"{key}: unknown key {sorted(unknown)[0]!r}; expected levels, doses, description")
    inputs: dict[str, LevelSchedule | DoseSchedule] = {}
    for name, steps in (spec.get("levels") or {}).items():
        where = f"{key}.levels.{name}"
        _expect_input(model, name, "level", where)
        try:
            arr = np.asarray(steps, dtype=float).reshape(-1, 2)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a list of [time_days, value] pairs, got {steps!r}") from None
        if np.any(arr[:, 1] < 0):
            raise ConfigError(f"{where}: levels must be >= 0, got {arr[:, 1].tolist()}")
        inputs[name] = _wrap(lambda: level(arr[:, 0], arr[:, 1]), where)
    for name, dose_spec in (spec.get("doses") or {}).items():
        where = f"{key}.doses.{name}"
        _expect_input(model, name, "dose", where)
        if not isinstance(dose_spec, Mapping):
            raise ConfigError(f"{where}: expected {{start, every, amount}} or {{times, amounts}}, got {dose_spec!r}")
        if "times" in dose_spec:
            inputs[name] = _wrap(lambda: doses(dose_spec["times"], dose_spec["amounts"]), where)
        else:
            missing = {"start", "every", "amount"} - set(dose_spec)
            if missing:
                raise ConfigError(f"{where}: missing {sorted(missing)}; expected start, every, amount (until optional)")
            if float(dose_spec["every"]) <= 0:
                raise ConfigError(f"{where}.every: must be > 0 days, got {dose_spec['every']}")
            until = float(dose_spec.get("until", horizon + 1e-9))
            inputs[name] = _wrap(
                lambda: every(float(dose_spec["start"]), float(dose_spec["every"]), float(dose_spec["amount"]), until),
                where,
            )
    return inputs


def run_scenarios(
    model: Model,
    params: Params,
    specs: Mapping[str, Mapping],
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
