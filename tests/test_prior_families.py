"""Prior families: any continuous NumPyro distribution by name, for parameters and noise sds, checked at
config time (one line naming the key), contributing exactly its NumPyro log-density, sampled on the
unconstrained space of its support."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
from numpyro import distributions as dist
import pandas as pd
import pytest
from numpyro.distributions.transforms import ExpTransform, biject_to
from numpyro.infer.util import log_density

import remodel_fit as rf
from remodel_fit.errors import ConfigError
from remodel_fit.inference import FitModel, fit
from remodel_fit.model.base import Model, Observable, Parameter
from remodel_fit.settings.fit import fit_options_from_section

LOGISTIC = rf.get_model("logistic")
FAMILIES = {
    "HalfCauchy": {"scale": 1}, "LogNormal": {"loc": -1, "scale": 1}, "Gamma": {"concentration": 2, "rate": 10},
    "InverseGamma": {"concentration": 3, "rate": 0.2}, "Exponential": {"rate": 10},
    "Beta": {"concentration1": 2, "concentration0": 5}, "Uniform": {"low": 0.01, "high": 1},
    "TruncatedNormal": {"loc": 0.1, "scale": 1, "low": 0}, "HalfNormal": {"scale": 0.2},
}


def _options(free=None, noise=None, **section):
    return fit_options_from_section("x", {"model": "logistic", "free": free or {}, "noise": noise or {}, **section},
                                    model=LOGISTIC)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_is_accepted_for_a_parameter_and_a_noise_sd(family):
    kwargs = FAMILIES[family]
    options = _options({"r": {"dist": family, **kwargs}}, {"N": {"prior": family, **kwargs}})
    expected = tuple(sorted((k, float(v)) for k, v in kwargs.items()))
    assert options.free["r"].dist == family and options.free["r"].kwargs == expected
    assert options.noise["N"].kwargs == expected


ERRORS = [
    ("unknown family", {"r": {"dist": "HalfCauchyy", "scale": 1}}, None,
     "fit.fits.x.free.r.dist: unknown value 'HalfCauchyy' (did you mean 'HalfCauchy'?)"),
    ("bad keyword", {"r": {"dist": "HalfCauchy", "sigma": 1}}, None,
     "fit.fits.x.free.r.sigma: not a keyword of HalfCauchy; expected scale"),
    ("missing keyword", {"r": {"dist": "Gamma", "rate": 1}}, None, "fit.fits.x.free.r: Gamma needs concentration"),
    ("invalid value", {"r": {"dist": "Gamma", "concentration": -2, "rate": 1}}, None,
     "fit.fits.x.free.r: Gamma(concentration=-2, rate=1) is invalid or cannot be sampled"),
    ("not a number", {"r": {"dist": "LogNormal", "loc": "default", "scale": 1}}, None,
     "fit.fits.x.free.r.loc: 'default' is not a number; LogNormal's keyword arguments are numbers"),
    ("support vs bounds", {"r": {"dist": "Normal", "loc": 0.1, "scale": 1}}, None,
     "fit.fits.x.free.r: Normal has support [-inf, inf], outside the bounds [0, inf] of 'r'"),
    ("interval vs bounds", {"r": {"dist": "Uniform", "low": -1, "high": 1}}, None,
     "fit.fits.x.free.r: Uniform has support [-1, 1], outside the bounds [0, inf] of 'r'"),
    ("truncating off the line", {"r": {"dist": "Gamma", "concentration": 2, "rate": 1, "low": 1}}, None,
     "fit.fits.x.free.r.low: Gamma is not on the whole real line"),
    ("lower is truncnormal's", {"r": {"dist": "HalfCauchy", "scale": 1, "lower": 0}}, None,
     "fit.fits.x.free.r.lower: is for dist truncnormal; a NumPyro family is truncated with low/high"),
    ("multivariate", {"r": {"dist": "Dirichlet", "concentration": 1}}, None,
     "fit.fits.x.free.r: Dirichlet(concentration=1) is invalid or cannot be sampled"),
    ("short form extra key", {"r": {"scale": 0.5, "df": 3}}, None,
     "fit.fits.x.free.r.df: unknown key; expected one of dist, loc, scale, lower, upper"),
    ("noise support", None, {"N": {"prior": "Normal", "scale": 1}},
     "fit.fits.x.noise.N: Normal has support from -inf; a noise sd needs a positive one"),
    ("noise short form extra", None, {"N": {"prior": "halfnormal", "loc": 1}},
     "fit.fits.x.noise.N.loc: unknown key; expected one of prior, scale"),
    ("noise unknown family", None, {"N": {"prior": "halfcauchy"}},
     "fit.fits.x.noise.N.prior: unknown value 'halfcauchy' (did you mean 'HalfCauchy'?)"),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_prior_errors_are_one_line_naming_the_key(case):
    _, free, noise, expected = case
    with pytest.raises(ConfigError) as err:
        _options(free, noise)
    message = str(err.value)
    assert "\n" not in message and message.startswith(expected), message


def test_random_effects_need_a_positive_prior_family():
    options = _options({"K": {"dist": "HalfCauchy", "scale": 100}}, random_effects={"K": {}})
    assert options.random_effects == {"K": 0.3}


def _data(n_times: int = 8) -> rf.Dataset:
    rows = [{"subject": "s", "group": "g", "time_days": float(t), "observable": "N", "value": float(v), "unit": "1"}
            for t, v in zip(np.linspace(0, 60, n_times), np.linspace(5, 80, n_times))]
    return rf.Dataset.from_frame(pd.DataFrame(rows), None, LOGISTIC)


@pytest.mark.parametrize("family", ["HalfCauchy", "Gamma"])
def test_a_family_prior_contributes_exactly_its_numpyro_log_density(family):
    """log p with the family on r and sigma_N minus log p with the short forms there equals the difference of
    the NumPyro log-densities at the same point; NUTS samples both on the log scale (support positive)."""
    kwargs = {"HalfCauchy": {"scale": 0.5}, "Gamma": {"concentration": 2.0, "rate": 10.0}}[family]
    data = _data()
    base = FitModel(LOGISTIC, data, _options({"r": {"scale": 0.5}, "K": {}}, {"N": {"scale": 0.3}}))
    other = FitModel(LOGISTIC, data, _options({"r": {"dist": family, **kwargs}, "K": {}},
                                              {"N": {"prior": family, **kwargs}}))
    point = {"r": 0.13, "K": 90.0, "sigma_N": 0.07}
    y = jnp.asarray(data.values)
    lp_base, _ = log_density(base, (), {"y": y}, point)
    lp, trace = log_density(other, (), {"y": y}, point)
    family_lp = sum(float(getattr(dist, family)(**kwargs).log_prob(point[k])) for k in ("r", "sigma_N"))
    short_lp = float(dist.LogNormal(math.log(0.1), 0.5).log_prob(0.13)) + float(dist.HalfNormal(0.3).log_prob(0.07))
    np.testing.assert_allclose(float(lp) - float(lp_base), family_lp - short_lp, rtol=1e-12, atol=1e-12)
    for site in ("r", "sigma_N"):
        assert isinstance(biject_to(trace[site]["fn"].support), ExpTransform)


def _decay() -> Model:
    """y' = -exp(log_k) y: a parameter on the whole real line, for a Student-t prior."""
    return Model(
        name="decay", description="exponential decay", states=("y",),
        parameters=(Parameter("log_k", -2.0, "1", "log rate", lower=-math.inf, positive=False),
                    Parameter("y0", 10.0, "1", "initial level")),
        vector_field=lambda t, y, p, i: -jnp.exp(p["log_k"]) * y,
        initial_state=lambda p, i: jnp.reshape(p["y0"], (1,)),
        observe=lambda t, y, y0, p, i: {"y": y[0]},
        observables=(Observable("y", "1", "level"),),
    )


DECAY = _decay()


def test_a_tiny_fit_with_a_student_t_prior_runs():
    model = DECAY
    times = np.arange(0.0, 30.0, 3.0)
    rows = [{"subject": "s", "group": "g", "time_days": t, "observable": "y", "unit": "1",
             "value": 10.0 * math.exp(-math.exp(-2.0) * t) * math.exp(0.05 * math.sin(7 * t))} for t in times]
    data = rf.Dataset.from_frame(pd.DataFrame(rows), None, model)
    options = fit_options_from_section("t", {
        "model": "test_prior_families:DECAY", "free": {"log_k": {"dist": "StudentT", "df": 3, "loc": 0, "scale": 2}},
        "noise": {"y": {"prior": "HalfCauchy", "scale": 0.2}},
        "nuts": {"chains": 1, "warmup": 60, "draws": 60, "chain_method": "sequential", "max_tree_depth": 4},
    }, model=model)
    post = fit(model, data, options, prior_draws=20).posterior
    assert post["log_k"].shape == (1, 60)
    assert abs(float(post["log_k"].mean()) + 2.0) < 0.1  # data made with log_k = -2 and ~5 % error
