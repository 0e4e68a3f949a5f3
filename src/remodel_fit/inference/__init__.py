"""Bayesian calibration: (model, dataset, fit options) -> NumPyro model -> NUTS -> ArviZ InferenceData.

Typical use::

    options = fit_options(config, "synthetic", model)     # remodel_fit.settings
    idata = fit(model, dataset, options)
    write_idata(idata, "results/fit/synthetic/idata.nc")
"""

from __future__ import annotations

import arviz as az
import jax

from ..data.dataset import Dataset
from ..model.base import Model
from ..seeds import stage_key
from .fit_model import FitModel
from .idata import build_idata, write_idata
from .options import FitOptions, NutsOptions, Prior, gradient_mode
from .sampler import run_nuts


def fit(model: Model, data: Dataset, options: FitOptions, *, prior_draws: int | None = None) -> az.InferenceData:
    """Fit ``data`` with NUTS as ``options`` says; seeds from ``stage_key(options.seed, 'fit:<name>')``."""
    fm = FitModel(model, data, options)
    k_nuts, k_pred = jax.random.split(stage_key(options.seed, f"fit:{options.name}"))
    run = run_nuts(fm, k_nuts)
    return build_idata(run, k_pred, prior_draws=prior_draws)


__all__ = [
    "FitModel", "FitOptions", "NutsOptions", "Prior", "build_idata", "fit", "gradient_mode", "run_nuts", "write_idata",
]
