"""Fit a non-bone ODE (logistic growth) through the same interface as the bone model.

Run:  .venv/bin/python examples/fit_logistic.py     (under a minute on 2 cores)

Steps, exactly as `remodel-fit fit` does them for the bone model:
1. a fit spec (what the config's `fit.fits.<name>` section holds): priors on the free
   parameters, a subject random effect on the carrying capacity K, the noise prior;
2. a Dataset: here simulated from known parameters on a design of 5 subjects x 7 visits
   (with real data, `remodel_fit.data.build.read_dataset(measurements, conditions, model)`);
3. NUTS -> ArviZ InferenceData (posterior, predictive, log likelihood, ...), written as netCDF.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")  # before JAX starts

import arviz as az  # noqa: E402
import jax  # noqa: E402
import numpy as np  # noqa: E402

from remodel_fit import get_model  # noqa: E402
from remodel_fit.data import Dataset  # noqa: E402
from remodel_fit.inference import FitModel, enable_compile_cache, fit, parse_fit_section, write_idata  # noqa: E402
from remodel_fit.inference.sbc import draw_data  # noqa: E402

SPEC = {
    "model": "logistic",
    "free": {"r": {"scale": 0.5}, "K": {"loc": 100.0, "scale": 0.5}, "N0": {"scale": 0.5}},
    "random_effects": {"K": {"sd_prior": 0.3}},
    "noise": {"N": {"prior": "halfnormal", "scale": 0.2}},
    "nuts": {"chains": 2, "warmup": 100, "draws": 100, "dense_mass": True, "max_tree_depth": 5},
}
TRUTH = {"r": 0.12, "K": 80.0, "N0": 4.0, "K_sd": 0.15, "sigma_N": 0.05}


def design(n_subjects: int = 5, times=(0, 10, 20, 30, 45, 60, 90)) -> Dataset:
    """Every subject observed at every time (values are placeholders until simulated)."""
    s, t = (a.ravel() for a in np.meshgrid(np.arange(n_subjects), np.arange(len(times)), indexing="ij"))
    return Dataset(tuple(f"s{i}" for i in range(n_subjects)), ("cohort",) * n_subjects, np.asarray(times, float),
                   ("N",), s, t, np.zeros_like(s), np.ones(s.size), np.full(s.size, np.nan), {})


def main(out: str = "results/examples/logistic_idata.nc") -> int:
    enable_compile_cache()
    model = get_model("logistic")
    spec = parse_fit_section("logistic_example", SPEC, seed=1, model=model)
    data, truth = draw_data(FitModel(model, design(), spec), jax.random.PRNGKey(12), TRUTH)
    idata = fit(model, data, spec)
    write_idata(idata, out)
    print(az.summary(idata, var_names=["r", "K", "N0", "K_sd", "sigma_N"], hdi_prob=0.9).to_string())
    print("truth:", {k: TRUTH[k] for k in ("r", "K", "N0", "K_sd", "sigma_N")}, "->", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
