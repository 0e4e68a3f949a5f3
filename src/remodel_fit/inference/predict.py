"""Posterior predictive trajectories of a typical subject under named treatment scenarios.

For each scenario (input schedules from config) and each of K posterior draws, the model
is solved for a typical subject (random effects at their population value) on a dense
time grid; the result is a tidy table of quantiles
(scenario, observable, time, q05, q25, q50, q75, q95).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..model.inputs import doses, every, level
from ..model.spec import Model
from ..simulate import SolverConfig
from .model import solve_subjects

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
DEFAULT_SCENARIOS: dict[str, Any] = {
    "untreated": {"inputs": {"tnf": {"times": [0], "values": [23.0]}, "il6": {"times": [0], "values": [30.0]}}},
    "anti_tnf_m6": {"inputs": {
        "tnf": {"times": [0], "values": [23.0]}, "il6": {"times": [0], "values": [30.0]},
        "anti_tnf_mg": {"every": {"start": 182.5, "interval": 14, "amount": 40, "until": 1095}}}},
    "denosumab_q6m": {"inputs": {
        "tnf": {"times": [0], "values": [23.0]}, "il6": {"times": [0], "values": [30.0]},
        "denosumab_mg": {"every": {"start": 0, "interval": 182.5, "amount": 60, "until": 1095}}}},
}


def scenario_inputs(model: Model, scenario: Mapping[str, Any], key: str) -> dict:
    """Schedules of one scenario: levels ``{times, values}``; doses ``{times, amounts}`` or ``{every: {...}}``."""
    out = {}
    for name, entry in (scenario.get("inputs") or {}).items():
        k = f"{key}.inputs.{name}"
        try:
            spec = model.input(name)
        except Exception as err:
            raise ConfigError(f"{k}: {err}") from None
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{k} must be a mapping, got {entry!r}")
        try:
            if spec.kind == "level":
                out[name] = level(entry["times"], entry["values"])
            elif "every" in entry:
                e = entry["every"]
                out[name] = every(float(e["start"]), float(e["interval"]), float(e["amount"]), float(e["until"]))
            else:
                out[name] = doses(entry["times"], entry["amounts"])
        except KeyError as err:
            raise ConfigError(f"{k} lacks key {err.args[0]!r} (levels: times, values; doses: times, amounts or every)") from None
    return out


def typical_draws(posterior, free: list[str], n: int, key: jax.Array) -> dict[str, np.ndarray]:
    """``n`` draws (without replacement when possible) of the free parameters from an idata posterior."""
    stacked = {p: np.asarray(posterior[p].values).reshape(-1) for p in free}
    total = next(iter(stacked.values())).size
    idx = np.asarray(jax.random.choice(key, total, (min(n, total),), replace=False))
    return {p: v[np.sort(idx)] for p, v in stacked.items()}


def predict_scenarios(
    model: Model,
    base: Mapping[str, float],
    draws: Mapping[str, np.ndarray],
    scenarios: Mapping[str, Any],
    times: np.ndarray,
    observables: list[str],
    config: SolverConfig = SolverConfig(),
) -> pd.DataFrame:
    """Quantile table of ``observables`` for each scenario over the posterior ``draws`` (failed solves dropped)."""
    params = model.params(dict(base))
    n = len(next(iter(draws.values())))
    varying = {p: jnp.asarray(v) for p, v in draws.items()}
    rows = []
    for name, scenario in scenarios.items():
        inputs = scenario_inputs(model, scenario, f"fit.predict.scenarios.{name}")
        batched = jax.tree_util.tree_map(lambda a: jnp.broadcast_to(a, (n,) + a.shape), inputs)
        sol = solve_subjects(model, params, varying, jnp.asarray(times), batched, config)
        ok = np.asarray(sol.ok)
        for obs in observables:
            values = np.asarray(sol.observables[obs])[ok]
            q = np.quantile(values, QUANTILES, axis=0) if values.size else np.full((len(QUANTILES), len(times)), np.nan)
            frame = pd.DataFrame({"scenario": name, "observable": obs, "time": times})
            for level_, row in zip(QUANTILES, q):
                frame[f"q{int(round(level_ * 100)):02d}"] = row
            frame["draws"] = int(ok.sum())
            rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def scenario_figure(table: pd.DataFrame):
    """One panel per observable; median and 50%/90% bands per scenario; time in years."""
    import matplotlib.pyplot as plt

    observables = list(dict.fromkeys(table["observable"]))
    fig, axes = plt.subplots(1, len(observables), figsize=(4 * len(observables), 3.2), squeeze=False)
    for ax, obs in zip(axes[0], observables):
        for i, (name, sub) in enumerate(table[table["observable"] == obs].groupby("scenario", sort=False)):
            t = sub["time"].to_numpy() / 365.25
            ax.fill_between(t, sub["q05"], sub["q95"], color=f"C{i}", alpha=0.15, lw=0)
            ax.fill_between(t, sub["q25"], sub["q75"], color=f"C{i}", alpha=0.3, lw=0)
            ax.plot(t, sub["q50"], color=f"C{i}", label=name)
        ax.set_title(obs, fontsize=10)
        ax.set_xlabel("years")
    axes[0][0].legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def fit_base(idata) -> dict[str, float]:
    """Fixed overrides recorded for the fit (empty when none): the base of a typical subject."""
    return json.loads(idata.posterior.attrs.get("fixed_parameters", "{}"))
