"""Simulated data from a fit model, and simulation-based calibration (Talts et al. 2018).

SBC: for each replicate draw parameters from the prior, simulate data on the design of a
template dataset, fit with a small budget and record the rank of the true value among
the posterior draws of each free parameter. Uniform ranks mean calibrated inference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from numpyro import handlers

from ..data.dataset import Dataset
from .fit_model import FitModel
from .sampler import run_nuts


def draw_data(fm: FitModel, key: jax.Array, truth: Mapping[str, float] | None = None) -> tuple[Dataset, dict]:
    """A dataset on ``fm.data``'s design with values simulated at ``truth`` (prior draws for the rest).

    Returns the dataset (table sds dropped) and every latent value used.
    """
    k_model, _ = jax.random.split(key)
    conditioned = handlers.condition(fm, data={k: jnp.asarray(v) for k, v in (truth or {}).items()})
    tr = handlers.trace(handlers.seed(conditioned, k_model)).get_trace(y=None)
    values = np.asarray(tr["y"]["value"], dtype=float)
    latent = {n: np.asarray(s["value"]) for n, s in tr.items() if s["type"] in ("sample", "deterministic") and n != "y"}
    data = dataclasses.replace(fm.data, values=values, sd=np.full(values.shape, np.nan))
    return data, latent


def sbc_ranks(fm: FitModel, key: jax.Array, replicates: int) -> pd.DataFrame:
    """Rank of each free parameter's true value among its (thinned) posterior draws, per replicate."""
    rows = []
    free = list(fm.options.free)
    for r, k in enumerate(jax.random.split(key, replicates)):
        k_data, k_fit = jax.random.split(k)
        data, truth = draw_data(fm, k_data)
        run = run_nuts(fm, k_fit, y=jnp.asarray(data.values))
        samples = run.mcmc.get_samples()
        fails = int(np.sum(np.asarray(samples["failed_solves"])))
        for p in free:
            draws = np.asarray(samples[p])
            rows.append({"replicate": r, "parameter": p, "truth": float(truth[p]), "rank": int(np.sum(draws < truth[p])),
                         "draws": int(draws.size), "failed_solves": fails})
    return pd.DataFrame(rows)
