"""Bayesian calibration: (model, dataset, priors) -> NumPyro model -> NUTS -> ArviZ InferenceData.

Typical use::

    spec = parse_fit(config, "synthetic")
    idata = fit(get_model(spec.model), dataset, spec)
    write_idata(idata, "results/fit/synthetic/idata.nc")
"""

from __future__ import annotations

import arviz as az

from ..data import Dataset
from ..model.spec import Model
from ..seeds import stage_key
from .config import FitSpec, NutsSpec, PriorSpec, fit_names, parse_fit, parse_fit_section
from .idata import build_idata, write_idata
from .model import FitModel
from .sampler import configure_host_devices, enable_compile_cache, run_nuts


def fit(model: Model, data: Dataset, spec: FitSpec, *, prior_draws: int | None = None) -> az.InferenceData:
    """Fit ``data`` with NUTS as ``spec`` says; seeds from ``stage_key(spec.seed, 'fit:<name>')``."""
    import jax

    fm = FitModel(model, data, spec)
    k_nuts, k_pred = jax.random.split(stage_key(spec.seed, f"fit:{spec.name}"))
    run = run_nuts(fm, k_nuts)
    return build_idata(run, k_pred, prior_draws=prior_draws)


__all__ = [
    "FitModel", "FitSpec", "NutsSpec", "PriorSpec", "build_idata", "configure_host_devices", "enable_compile_cache",
    "fit", "fit_names", "parse_fit", "parse_fit_section", "run_nuts", "write_idata",
]
