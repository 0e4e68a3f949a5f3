"""Bayesian calibration: (model, dataset, fit options) -> NumPyro model -> NUTS -> ArviZ InferenceData.

Typical use::

    options = fit_options(config, "synthetic", model)     # remodel_fit.settings
    idata = fit(model, dataset, options)
    write_idata(idata, "results/fit/synthetic/idata.nc")
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import arviz as az

    from ..data.dataset import Dataset
    from ..model.base import Model
    from .options import FitOptions

_EXPORTS = {
    "FitModel": "fit_model", "build_idata": "idata", "write_idata": "idata", "FitOptions": "options",
    "NutsOptions": "options", "Prior": "options", "gradient_mode": "options", "run_nuts": "sampler",
}
"""Names this package exports -> the submodule defining them, imported on first use (so that reading
a config, which needs only the light submodules, does not import ArviZ, NumPyro and diffrax)."""


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fit(model: Model, data: Dataset, options: FitOptions, *, prior_draws: int | None = None) -> az.InferenceData:
    """Fit ``data`` with NUTS as ``options`` says; seeds from ``stage_key(options.seed, 'fit:<name>')``."""
    import jax

    from ..seeds import stage_key
    from .fit_model import FitModel
    from .idata import build_idata
    from .predictive import PredictivePasses, prior_draw_count
    from .sampler import run_nuts

    fm = FitModel(model, data, options)
    k_nuts, k_pred = jax.random.split(stage_key(options.seed, f"fit:{options.name}"))
    passes = PredictivePasses(fm, k_pred, prior_draw_count(options.nuts, prior_draws))  # compiles beside NUTS
    run = run_nuts(fm, k_nuts)
    return build_idata(run, k_pred, prior_draws=prior_draws, passes=passes)


__all__ = [
    "FitModel", "FitOptions", "NutsOptions", "Prior", "build_idata", "fit", "gradient_mode", "run_nuts", "write_idata",
]
