"""Fit a non-bone ODE (logistic growth) through the same interface as the bone model.

Run:  .venv/bin/python examples/fit_logistic.py [OUT.nc] [DRAWS]     (under a minute on 2 cores)

Steps, exactly as `remodel-fit fit` does them for the bone model:
1. fit options (what the config's `fit.fits.<name>` section holds): priors on the free
   parameters, a subject random effect on the carrying capacity K, the noise prior;
2. a Dataset from a tidy table (`Dataset.from_frame`): here a design of 5 subjects x 7 visits
   whose values are then simulated from known parameters (with real data, pass your own table,
   or read files with `remodel_fit.read_dataset(measurements, conditions, model)`);
3. NUTS -> ArviZ InferenceData (posterior, predictive, log likelihood, ...), written as netCDF.
"""

from __future__ import annotations

import sys

import remodel_fit as rf

rf.configure(devices=2, compile_cache=True)  # before any JAX work: float64, two host devices for two chains

import arviz as az  # noqa: E402
import jax  # noqa: E402
import pandas as pd  # noqa: E402

from remodel_fit.inference import FitModel, fit, write_idata  # noqa: E402
from remodel_fit.inference.sbc import draw_data  # noqa: E402
from remodel_fit.settings.fit import fit_options_from_section  # noqa: E402

SECTION = {
    "model": "logistic",
    "free": {"r": {"scale": 0.5}, "K": {"loc": 100.0, "scale": 0.5}, "N0": {"scale": 0.5}},
    "random_effects": {"K": {"sd_prior": 0.3}},
    "noise": {"N": {"prior": "halfnormal", "scale": 0.2}},
    "nuts": {"chains": 2, "warmup": 100, "draws": 100, "dense_mass": True, "max_tree_depth": 5},
}
TRUTH = {"r": 0.12, "K": 80.0, "N0": 4.0, "K_sd": 0.15, "sigma_N": 0.05}


def design(n_subjects: int = 5, times=(0, 10, 20, 30, 45, 60, 90)) -> pd.DataFrame:
    """Every subject observed at every time, as a tidy measurement table (placeholder values)."""
    rows = [{"subject": f"s{i}", "group": "cohort", "time_days": t, "observable": "N", "value": 1.0, "unit": "1"}
            for i in range(n_subjects) for t in times]
    return pd.DataFrame(rows)


def main(out: str = "results/examples/logistic_idata.nc", draws: str = "100") -> int:
    model = rf.get_model("logistic")
    section = {**SECTION, "nuts": {**SECTION["nuts"], "warmup": int(draws), "draws": int(draws)}}
    options = fit_options_from_section("logistic_example", section, seed=1, model=model)
    template = rf.Dataset.from_frame(design(), None, model)
    data, _ = draw_data(FitModel(model, template, options), jax.random.PRNGKey(12), TRUTH)
    idata = fit(model, data, options)
    write_idata(idata, out)
    print(az.summary(idata, var_names=["r", "K", "N0", "K_sd", "sigma_N"], ci_prob=0.9).to_string())
    print("truth:", TRUTH, "->", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
