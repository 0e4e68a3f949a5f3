"""Posterior predictive trajectories of a typical subject under named treatment scenarios.

For each scenario (a :class:`~remodel_fit.solve.scenarios.Scenario`: levels, doses) and
each of K posterior draws, the model is solved for a typical subject (random effects at
their population value) on a dense time grid; the result is a tidy table of quantiles
(scenario, observable, time, q05, q25, q50, q75, q95).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from ..model.base import Model
from ..solve.batch import solve_subjects
from ..solve.options import SolverConfig
from ..solve.scenarios import Scenario, scenario_inputs

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


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
    scenarios: Mapping[str, Scenario | Mapping],
    times: np.ndarray,
    observables: list[str],
    config: SolverConfig = SolverConfig(),
) -> pd.DataFrame:
    """Quantile table of ``observables`` for each scenario over the posterior ``draws`` (failed solves dropped).

    ``scenarios`` maps names to :class:`~remodel_fit.solve.scenarios.Scenario` (levels, doses, description);
    doses without ``until`` run to the end of ``times``.
    """
    params = model.params(dict(base))
    varying = {p: jnp.asarray(v) for p, v in draws.items()}
    rows = []
    for name, scenario in scenarios.items():
        inputs = scenario_inputs(model, scenario, horizon=float(times[-1]), key=f"fit.predict.scenarios.{name}")
        sol = solve_draws(model, params, varying, inputs, times, config)
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


def solve_draws(model: Model, params, varying: Mapping[str, jnp.ndarray], inputs: Mapping, times,
                config: SolverConfig = SolverConfig()):
    """One solve per draw (``varying``: parameter -> one value per draw) of the same ``inputs`` at ``times``."""
    n = len(next(iter(varying.values())))
    batched = jax.tree_util.tree_map(lambda a: jnp.broadcast_to(a, (n,) + a.shape), dict(inputs))
    return solve_subjects(model, params, varying, jnp.asarray(times), batched, config)


def fit_base(idata) -> dict[str, float]:
    """Fixed overrides recorded for the fit (empty when none): the base of a typical subject."""
    return json.loads(idata.posterior.attrs.get("fixed_parameters", "{}"))
