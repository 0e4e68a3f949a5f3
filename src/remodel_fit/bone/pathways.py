"""Which pathway carries inflammatory bone loss: the predicted excess loss with one cytokine arm alone.

For each posterior draw and horizon T, with the scenario's inputs (e.g. active RA, untreated) and
the same inputs without inflammation (the arm's background drift):

    excess(T)      = b_background(T) - b_inflamed(T)            (BMD relative to the start, per site)
    alone_a(T)     = the excess with only arm a's effects on (every other arm's E = 0)
    share_a(T)     = alone_a(T) / excess(T)

The arms are those of :mod:`.cytokines` (RANKL expression, OPG, osteoblast lineage, osteoclast
precursors); the shares need not sum to 1 (the arms interact through the core).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import jax.numpy as jnp
import numpy as np
import pandas as pd

from ..data.arms import YEAR_DAYS
from ..inference.predict import solve_draws
from ..model.base import Model
from ..solve.options import SolverConfig
from ..solve.scenarios import Scenario, scenario_inputs
from .cytokines import ARMS, CYTOKINES
from .inflammation_v2.signals import ACTIVITY

QUANTILES = (0.05, 0.5, 0.95)


def _solve(model: Model, params, varying, inputs, times, config) -> tuple[dict[str, np.ndarray], np.ndarray]:
    sol = solve_draws(model, params, varying, inputs, times, config)
    return {k: np.asarray(v) for k, v in sol.observables.items()}, np.asarray(sol.ok)


def pathway_attribution(model: Model, base: Mapping[str, float], draws: Mapping[str, np.ndarray], scenario: Scenario,
                        years: Sequence[float], observables: Sequence[str],
                        config: SolverConfig = SolverConfig()) -> pd.DataFrame:
    """Quantiles over ``draws`` of the excess loss (percent of baseline) and of each arm's share, per
    observable and horizon: one row per (observable, years, pathway), pathway ``all`` the full model."""
    times = np.concatenate([[0.0], YEAR_DAYS * np.asarray(years, dtype=float)])
    inputs = scenario_inputs(model, scenario, horizon=float(times[-1]), key="fit.pathways.scenario")
    background = {k: v for k, v in inputs.items() if k != ACTIVITY}
    params = model.params(dict(base))
    varying = {p: jnp.asarray(v) for p, v in draws.items()}
    n = len(next(iter(varying.values())))
    zero = jnp.zeros(n)

    def arms_on(on: Sequence[str]) -> dict:
        return {**varying, **{f"{c}_e_{a}": zero for c in CYTOKINES for a in ARMS if a not in on}}

    ref, ok = _solve(model, params, varying, background, times, config)
    sides = {"all": (varying, "all arms")} | {a: (arms_on([a]), f"{a} arm alone") for a in ARMS}
    solved = {name: _solve(model, params, v, inputs, times, config) for name, (v, _) in sides.items()}
    for _, good in solved.values():
        ok = ok & good
    rows = []
    for obs in observables:
        full = ref[obs][ok] - solved["all"][0][obs][ok]
        for name, (_, text) in sides.items():
            excess = ref[obs][ok] - solved[name][0][obs][ok]
            share = excess / np.where(np.abs(full) > 0, full, np.nan)
            for j, y in enumerate(years, start=1):
                q_loss = np.quantile(100.0 * excess[:, j], QUANTILES)
                q_share = np.nanquantile(share[:, j], QUANTILES) if name != "all" else (1.0, 1.0, 1.0)
                rows.append({"observable": obs, "years": float(y), "pathway": name, "description": text,
                             **{f"loss_pct_q{int(q * 100):02d}": v for q, v in zip(QUANTILES, q_loss)},
                             **{f"share_q{int(q * 100):02d}": v for q, v in zip(QUANTILES, q_share)},
                             "draws": int(ok.sum())})
    return pd.DataFrame(rows)


def pathway_paragraph(table: pd.DataFrame, observable: str, years: float, scenario: str) -> str:
    """One paragraph with the numbers: the excess loss at ``years`` and each arm's share, with 90 % intervals."""
    t = table[(table["observable"] == observable) & (table["years"] == years)].set_index("pathway")
    full = t.loc["all"]
    parts = [f"{name}: {r.share_q50:.0%} ({r.share_q05:.0%} to {r.share_q95:.0%})"
             for name, r in t.drop(index="all").iterrows()]
    return (f"In {scenario}, the model predicts {full.loss_pct_q50:.2f} % ({full.loss_pct_q05:.2f} to "
            f"{full.loss_pct_q95:.2f} %, 90 % interval over {int(full.draws)} posterior draws) excess {observable} "
            f"loss after {years:g} years over the same patient without inflammation. With one cytokine arm alone, "
            f"the share of that loss each arm carries is " + "; ".join(parts) + " (shares need not add to 100 %: "
            "the arms interact through the remodelling core).")
