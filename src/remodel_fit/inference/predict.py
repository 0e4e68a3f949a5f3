"""Posterior predictive trajectories of a typical subject under named treatment scenarios.

For each scenario (a :mod:`remodel_fit.scenarios` spec: levels, doses, description) and
each of K posterior draws, the model is solved for a typical subject (random effects at
their population value) on a dense time grid; the result is a tidy table of quantiles
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

from ..model.spec import Model
from ..scenarios import scenario_inputs
from ..simulate import SolverConfig
from .model import solve_subjects

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_INFLAMED = {"tnf": [[0, 23.0]], "il6": [[0, 30.0]]}
DEFAULT_SCENARIOS: dict[str, Any] = {
    "untreated": {"description": "TNF-alpha 23 and IL-6 30 pg/mL from day 0", "levels": _INFLAMED},
    "anti_tnf_m6": {"description": "inflamed; anti-TNF 40 mg every 14 days from month 6", "levels": _INFLAMED,
                    "doses": {"anti_tnf_mg": {"start": 182.5, "every": 14, "amount": 40}}},
    "denosumab_q6m": {"description": "inflamed; denosumab 60 mg every 6 months from day 0", "levels": _INFLAMED,
                      "doses": {"denosumab_mg": {"start": 0, "every": 182.5, "amount": 60}}},
}


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
    """Quantile table of ``observables`` for each scenario over the posterior ``draws`` (failed solves dropped).

    ``scenarios`` maps names to :mod:`remodel_fit.scenarios` specs (levels, doses, description);
    doses without ``until`` run to the end of ``times``.
    """
    params = model.params(dict(base))
    n = len(next(iter(draws.values())))
    varying = {p: jnp.asarray(v) for p, v in draws.items()}
    rows = []
    for name, scenario in scenarios.items():
        inputs = scenario_inputs(model, scenario, horizon=float(times[-1]), key=f"fit.predict.scenarios.{name}")
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
