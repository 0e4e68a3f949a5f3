"""Held-out validation: a fit's posterior-predictive bands at arms (or subjects) it never saw.

The fit's posterior draws are substituted into the same NumPyro model built on the held-out
tables (:class:`~.fit_model.FitModel` with the fit's options), and each draw yields a replicate
of every held-out measurement, with the fit's noise and discrepancy terms (a subject effect of a
new subject is drawn from its population). A point is covered when its value lies inside the
central ``level`` interval of its replicates.
"""

from __future__ import annotations

import jax
import numpy as np
import pandas as pd
import xarray as xr

from ..errors import ModelError
from .fit_model import FitModel
from .idata import measurement_coords
from .predict import typical_draws
from .predictive import trace_program


def posterior_draws(posterior: xr.Dataset, fm: FitModel, n: int, key: jax.Array) -> dict[str, np.ndarray]:
    """``n`` posterior draws (:func:`~.predict.typical_draws`) of the population-level latent sites of
    ``fm`` (scalars); per-subject ``*_z`` sites are left out (new subjects draw theirs)."""
    if isinstance(posterior, xr.DataTree):
        posterior = posterior.to_dataset()
    names = [s for s in fm.latent_sites() if not s.endswith("_z")]
    missing = [s for s in names if s not in posterior]
    if missing:
        raise ModelError(f"the posterior lacks {missing}: it was not made by a fit with these options")
    return typical_draws(posterior, names, n, key)


def replicates(fm: FitModel, draws: dict[str, np.ndarray], key: jax.Array, chunk: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """``(y, failed)``: one replicate of every measurement of ``fm`` per draw, ``(n, n_measurements)``,
    and the number of failed solves per draw."""
    n = next(iter(draws.values())).shape[0]
    out = trace_program(fm, None, n, chunk)(draws, jax.random.split(key, n))
    return np.asarray(out["y"]), np.asarray(out["failed_solves"]).reshape(n, -1).sum(axis=1)


def coverage_table(fm: FitModel, y: np.ndarray, failed: np.ndarray, level: float) -> pd.DataFrame:
    """Per held-out measurement: its value, the replicates' median and central ``level`` interval
    (draws with a failed solve left out), and whether the value is inside."""
    good = y[failed == 0]
    if good.shape[0] < 20:
        raise ModelError(f"only {good.shape[0]} of {y.shape[0]} posterior draws solved the held-out arms; need 20")
    tail = (1.0 - level) / 2.0
    lo, median, hi = np.quantile(good, [tail, 0.5, 1.0 - tail], axis=0)
    coords = {name: values for name, (_, values) in measurement_coords(fm).items()}
    value = np.asarray(fm.data.values)
    return pd.DataFrame({
        "subject": coords["subject"], "observable": coords["observable"], "time_days": coords["time"], "value": value,
        "lower": lo, "median": median, "upper": hi, "inside": (value >= lo) & (value <= hi),
    })


def coverage_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Fraction of points inside the band per subject (arm) and observable, and over all."""
    per = table.groupby(["subject", "observable"], sort=True)["inside"].agg(points="size", inside="sum").reset_index()
    total = pd.DataFrame({"subject": ["all"], "observable": ["all"], "points": [len(table)], "inside": [int(table["inside"].sum())]})
    out = pd.concat([per, total], ignore_index=True)
    out["fraction"] = out["inside"] / out["points"]
    return out


def heldout_coverage(fm: FitModel, posterior: xr.Dataset, key: jax.Array, *, draws: int, level: float,
                     chunk: int = 50) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Point table, summary and headline numbers of the held-out check of a fit (see the module)."""
    k_draws, k_rep = jax.random.split(key)
    sample = posterior_draws(posterior, fm, draws, k_draws)
    y, failed = replicates(fm, sample, k_rep, chunk)
    table = coverage_table(fm, y, failed, level)
    summary = coverage_summary(table)
    headline = {"level": level, "draws": int(y.shape[0]), "draws_with_failed_solves": int((failed > 0).sum()),
                "points": int(len(table)), "inside": int(table["inside"].sum()),
                "fraction_inside": float(table["inside"].mean())}
    return table, summary, headline
