"""Inference: recovery, gradients, InferenceData layout, determinism, failed solves, config errors."""

from __future__ import annotations

import dataclasses
import json

import arviz as az
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree
from numpyro import handlers
from numpyro.infer import init_to_median
from numpyro.infer.util import initialize_model

from remodel_fit import get_model
from remodel_fit.data import Dataset
from remodel_fit.errors import ConfigError
from remodel_fit.inference import FitModel, fit, run_nuts, write_idata
from remodel_fit.runtime import enable_compile_cache
from remodel_fit.settings.fit import fit_options_from_section as parse_fit_section
from remodel_fit.inference.sbc import draw_data
from remodel_fit.model.inputs import level
from remodel_fit.seeds import stage_key

CONTRACT_GROUPS = {
    "posterior", "sample_stats", "log_likelihood", "log_likelihood_measurement", "prior", "prior_predictive",
    "posterior_predictive", "observed_data", "constant_data",
}
LOGISTIC_TRUTH = {"r": 0.12, "K": 80.0, "N0": 4.0, "K_sd": 0.15, "sigma_N": 0.05}


def grid_dataset(subjects, groups, times, observables, inputs=None) -> Dataset:
    """A full design (every subject x time x observable) with placeholder values."""
    s, t, o = (a.ravel() for a in np.meshgrid(np.arange(len(subjects)), np.arange(len(times)),
                                              np.arange(len(observables)), indexing="ij"))
    return Dataset(tuple(subjects), tuple(groups), np.asarray(times, float), tuple(observables),
                   s, t, o, np.ones(s.size), np.full(s.size, np.nan), inputs or {})


def logistic_spec(**nuts) -> dict:
    return {
        "model": "logistic",
        "free": {"r": {"scale": 0.5}, "K": {"loc": 100.0, "scale": 0.5}, "N0": {"scale": 0.5}},
        "random_effects": {"K": {"sd_prior": 0.3}},
        "noise": {"N": {"scale": 0.2}},
        "nuts": {"chains": 2, "warmup": 80, "draws": 80, "chain_method": "sequential", "dense_mass": True,
                 "max_tree_depth": 5, **nuts},
    }


@pytest.fixture(scope="module", autouse=True)
def _cache():
    enable_compile_cache()


@pytest.fixture(scope="module")
def logistic_data():
    model = get_model("logistic")
    design = grid_dataset([f"s{i}" for i in range(6)], ["a"] * 6, [0, 10, 20, 30, 45, 60, 90], ["N"])
    spec = parse_fit_section("logistic", logistic_spec(), seed=3, model=model)
    data, truth = draw_data(FitModel(model, design, spec), jax.random.PRNGKey(12), LOGISTIC_TRUTH)
    return model, data, truth


@pytest.fixture(scope="module")
def logistic_fit(logistic_data):
    model, data, _ = logistic_data
    spec = parse_fit_section("logistic", logistic_spec(), seed=3, model=model)
    return fit(model, data, spec, prior_draws=100)


def test_recovery_true_values_inside_90_percent_intervals(logistic_data, logistic_fit):
    """Coverage of the 90% intervals over the 4 population parameters and the 6 subjects' K
    (calibrated: 9 of 10 expected; fewer than 7 has probability 1.3%), and no population
    parameter more than 3 posterior sds from its truth. One fixed dataset puts a truth
    outside its 90% interval 1 time in 10, so a per-parameter test would flip with any change
    of the floating-point realisation of the chains."""
    _, _, truth = logistic_data
    post = logistic_fit.posterior
    inside = []
    for p in ("r", "K", "N0", "sigma_N"):
        draws = post[p].values.ravel()
        lo, hi = np.quantile(draws, [0.05, 0.95])
        inside.append(lo < float(truth[p]) < hi)
        assert abs(draws.mean() - float(truth[p])) < 3 * draws.std(), (p, draws.mean(), draws.std(), float(truth[p]))
    subjects = post["K_subject"].values.reshape(-1, 6)
    lo, hi = np.quantile(subjects, [0.05, 0.95], axis=0)
    inside += list((lo < truth["K_subject"]) & (truth["K_subject"] < hi))
    assert sum(inside) >= 7, inside
    assert np.corrcoef(np.median(subjects, axis=0), truth["K_subject"])[0, 1] > 0.8
    assert int(logistic_fit.sample_stats["failed_solves"].sum()) == 0


def test_netcdf_has_every_contract_group(logistic_fit, tmp_path):
    path = tmp_path / "idata.nc"
    write_idata(logistic_fit, path)
    back = az.from_netcdf(path)
    assert CONTRACT_GROUPS <= set(back.children)
    assert back.posterior["K_subject"].dims == ("chain", "draw", "subject")
    assert back.posterior_predictive["y"].dims == ("chain", "draw", "measurement")
    assert list(back.log_likelihood.data_vars) == ["y_subject"]  # what az.loo(back) uses by default
    measurements = back["log_likelihood_measurement"]["y"]
    assert measurements.shape == (2, 80, 42)
    subjects = back.log_likelihood["y_subject"]
    assert subjects.dims == ("chain", "draw", "subject") and subjects.shape == (2, 80, 6)
    assert subjects["subject"].values.tolist() == back.posterior["K_subject"]["subject"].values.tolist()
    # without marginal effects a subject's log-likelihood is the sum of its measurements'
    by_subject = measurements.groupby("subject").sum()
    np.testing.assert_allclose(by_subject.sel(subject=subjects["subject"]).values, subjects.values, rtol=1e-6, atol=1e-5)  # float32 on file
    assert back.prior["r"].shape == (1, 100)
    assert back.sample_stats["failed_solves"].dtype.kind == "i"
    assert {"diverging", "energy", "tree_depth"} <= set(back.sample_stats)
    assert set(back.observed_data["y"].coords) >= {"subject", "group", "time", "observable"}
    assert back.observed_data["time"].values[:7].tolist() == [0, 10, 20, 30, 45, 60, 90]
    assert back.constant_data["time_grid"].shape == (7,)
    for attrs in (back.attrs, back.posterior.attrs):
        assert attrs["model"] == "logistic" and attrs["fit_name"] == "logistic" and int(attrs["seed"]) == 3
        assert json.loads(attrs["free_parameters"]) == ["r", "K", "N0"]
        assert len(attrs["config_hash"]) == 64 and "numpyro" in json.loads(attrs["versions"])
    assert np.all(np.isfinite(measurements.values)) and np.all(np.isfinite(subjects.values))
    for group in ("posterior", "log_likelihood", "log_likelihood_measurement", "posterior_predictive", "observed_data"):
        for name, var in back[group].data_vars.items():
            assert var.attrs.get("units") is not None and var.attrs.get("description"), (group, name)
    assert back.posterior_predictive["y"].dtype == np.float32 and measurements.dtype == np.float32


def test_same_seed_gives_identical_draws(logistic_data):
    model, data, _ = logistic_data
    spec = parse_fit_section("det", logistic_spec(chains=1, warmup=15, draws=15), seed=5, model=model)
    fm = FitModel(model, data, spec)
    key = stage_key(spec.seed, "fit:det")
    run = run_nuts(fm, key)
    first = run.mcmc.get_samples()
    run.mcmc.run(key, y=fm.values)  # same compiled sampler, same key: the draws must repeat exactly
    second = run.mcmc.get_samples()
    assert set(first) == set(second)
    for p in first:
        np.testing.assert_array_equal(np.asarray(first[p]), np.asarray(second[p]))
    assert np.ptp(np.asarray(first["r"])) > 0  # the chain moved


@pytest.fixture(scope="module")
def bone_model():
    model = get_model("bone_inflammation")
    tnf = level([0.0], [23.0])
    stacked = {"tnf": jax.tree_util.tree_map(lambda a, b: jnp.stack([a, b]), level([0.0], [5.0]), tnf)}
    design = grid_dataset(["h1", "i1"], ["healthy", "inflamed"], [0, 90, 180, 365], ["bmd_ls", "ctx"], stacked)
    section = {
        "model": "bone_inflammation",
        "free": {"tnf_e_rankl": {}, "kout_ls": {"scale": 0.3}, "ctx0": {"scale": 0.3}},
        "random_effects": {"ctx0": {"sd_prior": 0.2}},
    }
    return model, design, section


@pytest.mark.parametrize("case", ["bone-forward", "logistic-reverse"])
def test_log_density_and_gradient_match_finite_differences(bone_model, logistic_data, case):
    name, gradient = case.split("-")
    if name == "bone":
        model, design, section = bone_model
    else:
        model, design, _ = logistic_data
        section = logistic_spec()
    spec = parse_fit_section(name, {**section, "nuts": {"gradient": gradient}}, model=model)
    fm = FitModel(model, design, spec)
    data, _ = draw_data(fm, jax.random.PRNGKey(0))
    info = initialize_model(jax.random.PRNGKey(1), fm, model_kwargs={"y": jnp.asarray(data.values)},
                            init_strategy=init_to_median(num_samples=15))
    flat, unravel = ravel_pytree(info.param_info.z)
    f = jax.jit(lambda x: info.potential_fn(unravel(x)))
    value, grad = jax.jit(jax.value_and_grad(lambda x: info.potential_fn(unravel(x))))(flat)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    h = 1e-5
    eye = np.eye(flat.size)
    fd = np.array([(f(flat + h * e) - f(flat - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(np.asarray(grad), fd, rtol=2e-3, atol=2e-3 * np.max(np.abs(fd)))


def _marginal_point(model, design, section):
    spec = parse_fit_section("m", {**section, "free": {**section["free"], "p1np0": {"scale": 0.3}},
                                   "random_effects": {"ctx0": {"sd_prior": 0.2}, "p1np0": {}}}, model=model)
    design = grid_dataset(design.subjects, design.groups, design.times, ["bmd_ls", "ctx", "p1np"], design.inputs)
    fm = FitModel(model, design, spec)
    data, _ = draw_data(fm, jax.random.PRNGKey(4))
    point = {"tnf_e_rankl": 0.9, "kout_ls": 0.011, "ctx0": 0.45, "p1np0": 50.0, "ctx0_sd": 0.3, "p1np0_sd": 0.15,
             "sigma_bmd_ls": 0.02, "sigma_ctx": 0.2, "sigma_p1np": 0.1}
    return fm, jnp.asarray(data.values), point


def test_marginal_scale_effects_equal_the_multivariate_normal_density(bone_model):
    """Integrating subject effects out in closed form gives the exact joint density of log y."""
    from numpyro.infer.util import log_density
    from scipy import stats

    fm, y, point = _marginal_point(*bone_model)
    assert fm.marginal == ("ctx0", "p1np0")
    total, tr = log_density(fm, (), {"y": y}, point)
    assert "ctx0_z" not in tr  # NUTS never sees the subject effects
    prior = sum(float(jnp.sum(tr[n]["fn"].log_prob(tr[n]["value"]))) for n in point)
    mu, s = np.asarray(tr["y"]["fn"].loc), np.asarray(tr["y"]["fn"].scale)
    obs = np.asarray(fm.data.observables)[np.asarray(fm.data.observable_index)]
    subj = np.asarray(fm.data.subject_index)
    omega = np.select([obs == "ctx", obs == "p1np"], [point["ctx0_sd"], point["p1np0_sd"]], 0.0)
    same_block = (subj[:, None] == subj[None, :]) & (obs[:, None] == obs[None, :])
    cov = np.diag(s**2) + same_block * np.outer(omega, omega)
    expected = stats.multivariate_normal(mu, cov).logpdf(np.log(np.asarray(y))) - np.sum(np.log(np.asarray(y)))
    np.testing.assert_allclose(float(total) - prior, expected, rtol=1e-10)

    # conditional draws: z = eta/omega has the Gaussian-conditioning mean and sd of its block
    cond = handlers.trace(handlers.seed(handlers.substitute(fm, data=point), 0)).get_trace(y=y, conditional=True)
    for name, o in (("ctx0", "ctx"), ("p1np0", "p1np")):
        for i in range(fm.data.n_subjects):
            rows = (subj == i) & (obs == o)
            w = point[f"{name}_sd"]
            c = np.diag(s[rows] ** 2) + w**2
            r = np.log(np.asarray(y)[rows]) - mu[rows]
            mean = w**2 * np.ones(rows.sum()) @ np.linalg.solve(c, r)
            var = w**2 - w**4 * np.ones(rows.sum()) @ np.linalg.solve(c, np.ones(rows.sum()))
            site = cond[f"{name}_z"]["fn"]
            np.testing.assert_allclose(float(site.loc[i]) * w, mean, rtol=1e-9)
            np.testing.assert_allclose(float(site.scale[i]) * w, np.sqrt(var), rtol=1e-9)
    # per-subject marginal log-likelihood (the leave-one-subject-out unit): each subject's block of
    # the joint density, and the subjects together give the whole marginal likelihood
    per_subject = np.asarray(cond["log_lik_subject"]["value"])
    for i in range(fm.data.n_subjects):
        rows = subj == i
        own = stats.multivariate_normal(mu[rows], cov[np.ix_(rows, rows)]).logpdf(np.log(np.asarray(y)[rows]))
        np.testing.assert_allclose(per_subject[i], own - np.sum(np.log(np.asarray(y)[rows])), rtol=1e-10)
    np.testing.assert_allclose(per_subject.sum(), expected, rtol=1e-10)
    # applied to the predictions: y's location moves by eta of the subject's block
    eta = np.asarray(cond["ctx0_z"]["value"]) * point["ctx0_sd"]
    moved = np.asarray(cond["y"]["fn"].loc) - mu
    np.testing.assert_allclose(moved[obs == "ctx"], eta[subj[obs == "ctx"]], rtol=1e-9)
    np.testing.assert_allclose(moved[obs == "bmd_ls"], 0.0, atol=1e-12)


def test_random_effect_around_a_fixed_population_value(bone_model):
    """An effect on a parameter that is not free varies around its fixed value: the same density as
    the free parameter at that value, less its prior."""
    from numpyro.infer.util import log_density

    fm, y, point = _marginal_point(*bone_model)
    model, _, section = bone_model
    free = {k: v for k, v in section["free"].items() if k != "ctx0"} | {"p1np0": {"scale": 0.3}}
    spec = parse_fit_section("m", {**section, "free": free, "fixed": {"ctx0": point["ctx0"]},
                                   "random_effects": {"ctx0": {"sd_prior": 0.2}, "p1np0": {}}}, model=model)
    assert set(spec.free) == set(fm.options.free) - {"ctx0"}
    fixed = FitModel(model, fm.data, spec)
    assert fixed.marginal == ("ctx0", "p1np0")
    with_prior, tr = log_density(fm, (), {"y": y}, point)
    without, _ = log_density(fixed, (), {"y": y}, {k: v for k, v in point.items() if k != "ctx0"})
    ctx0_prior = float(tr["ctx0"]["fn"].log_prob(point["ctx0"]))
    np.testing.assert_allclose(float(without), float(with_prior) - ctx0_prior, rtol=1e-12)


def test_failed_solves_give_finite_log_density_and_are_counted(logistic_data):
    model, data, _ = logistic_data
    section = {**logistic_spec(), "solver": {"max_steps": 2}}
    fm = FitModel(model, data, parse_fit_section("broken", section, model=model))
    info = initialize_model(jax.random.PRNGKey(0), fm, model_kwargs={"y": jnp.asarray(data.values)},
                            init_strategy=init_to_median(num_samples=15))
    tr = handlers.trace(handlers.substitute(handlers.seed(fm, 0), data={})).get_trace(y=jnp.asarray(data.values))
    assert int(tr["failed_solves"]["value"]) == data.n_subjects
    assert np.all(np.isfinite(tr["y"]["fn"].log_prob(jnp.asarray(data.values))))
    energy = info.potential_fn(info.param_info.z)
    assert np.isfinite(energy) and energy > 1e8  # the failure penalty, not NaN


@pytest.mark.parametrize(
    "section, key",
    [
        ({"model": "logistic", "free": {"rr": {}}}, "fit.fits.x.free.rr"),
        ({"model": "logistic", "free": {"r": {"scale": -1}}}, "fit.fits.x.free.r.scale"),
        ({"model": "logistic", "free": {"r": {"dist": "cauchy"}}}, "fit.fits.x.free.r.dist"),
        ({"model": "logistic", "nuts": {"chains": 0}}, "fit.fits.x.nuts.chains"),
        ({"model": "logistic", "fixed": {"K": -1.0}, "random_effects": {"K": {}}}, "fit.fits.x.random_effects.K"),
        ({"model": "logistic", "random_effects": {"KK": {}}}, "fit.fits.x.random_effects.KK"),
        ({"model": "logistic", "bogus": 1}, "fit.fits.x"),
        ({"model": "logistic", "nuts": {"init": "map"}}, "fit.fits.x.nuts.init"),
        ({"model": "logistic", "random_effects_method": "mc"}, "fit.fits.x.random_effects_method"),
    ],
)
def test_config_errors_name_the_key(section, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_fit_section("x", section, model=get_model(section["model"]))


def test_arms_fix_other_cytokine_effects_at_zero():
    spec = parse_fit_section("v", {"model": "bone_inflammation", "arms": ["rankl"],
                                   "free": {"tnf_e_rankl": {}, "tnf_e_opg": {}}}, model=get_model("bone_inflammation"))
    assert list(spec.free) == ["tnf_e_rankl"]
    assert spec.fixed["tnf_e_opg"] == 0.0 and spec.fixed["il6_e_ob"] == 0.0 and "tnf_e_rankl" not in spec.fixed


def test_laplace_is_exact_for_a_gaussian():
    from remodel_fit.inference.laplace import laplace

    mean = jnp.array([1.0, -2.0, 0.5])
    cov = jnp.array([[2.0, 0.6, 0.0], [0.6, 0.5, -0.1], [0.0, -0.1, 0.3]])
    precision = jnp.linalg.inv(cov)
    approx = laplace(lambda x: 0.5 * (x - mean) @ precision @ (x - mean), jnp.zeros(3))
    np.testing.assert_allclose(approx.mode, mean, atol=1e-5)
    np.testing.assert_allclose(approx.covariance, cov, rtol=1e-6, atol=1e-8)
    draws = approx.draws(jax.random.PRNGKey(0), 40000)
    np.testing.assert_allclose(np.cov(np.asarray(draws).T), cov, atol=0.03)


def test_laplace_covariance_gives_negative_curvature_its_own_scale():
    """A negative eigenvalue (saddle or noise) enters with its absolute value, a flat one is floored."""
    from remodel_fit.inference.laplace import EIGEN_FLOOR, covariance_from_hessian

    rotation = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))[0]
    hessian = rotation @ np.diag([4.0, -9.0, 1e-20]) @ rotation.T
    cov = covariance_from_hessian(hessian)
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(cov)), [1 / 9, 1 / 4, 1 / (9 * EIGEN_FLOOR)], rtol=1e-8)
    assert covariance_from_hessian(np.zeros((2, 2))) is None
    assert covariance_from_hessian(np.full((2, 2), np.nan)) is None


def test_laplace_start_puts_chains_near_the_posterior(logistic_data, logistic_fit):
    model, data, _ = logistic_data
    spec = parse_fit_section("lap", logistic_spec(warmup=30, draws=30, init="laplace"), seed=3, model=model)
    run = run_nuts(FitModel(model, data, spec), stage_key(spec.seed, "fit:lap"))
    assert run.laplace is not None and np.all(np.isfinite(run.laplace.covariance))
    post = logistic_fit.posterior
    draws = run.mcmc.get_samples()
    for p in ("r", "K", "N0"):  # 30 warm-up draws from the Laplace start already sit in the posterior bulk
        lo, hi = np.quantile(post[p].values, [0.01, 0.99])
        assert lo < float(np.median(draws[p])) < hi, p


def test_predictive_passes_compiled_ahead_give_the_draws_traced_after(logistic_data):
    """The passes lowered before NUTS and compiled (the prior one run) in a background thread: the
    keys build_idata derives, and the draws of the passes traced afterwards, to the last bit."""
    from remodel_fit.inference.predictive import PredictivePasses, trace_draws

    model, data, _ = logistic_data
    spec = parse_fit_section("ahead", logistic_spec(warmup=5, draws=10), seed=3, model=model)
    fm, key = FitModel(model, data, spec), jax.random.PRNGKey(5)
    passes = PredictivePasses(fm, key, 12)
    k_post, k_prior = jax.random.split(key)
    np.testing.assert_array_equal(passes.post_keys, jax.random.split(k_post, 20))
    np.testing.assert_array_equal(passes.prior_keys, jax.random.split(k_prior, 12))
    prior = passes.prior()
    samples = {k: jnp.concatenate([prior[k], prior[k][:8]]) for k in passes.sites}  # 20 draws of NUTS's sites
    pairs = [(prior, trace_draws(fm, {}, passes.prior_keys, chunk=spec.nuts.predictive_chunk)),
             (passes.posterior(samples), trace_draws(fm, samples, passes.post_keys, y=fm.values,
                                                     chunk=spec.nuts.predictive_chunk))]
    for ahead, after in pairs:
        assert set(ahead) == set(after) and "y" in ahead
        for name in ahead:
            np.testing.assert_array_equal(np.asarray(ahead[name]), np.asarray(after[name]), err_msg=name)
    assert "log_lik" in pairs[1][0]


def test_an_unconverged_laplace_start_is_a_warning_at_the_time(logistic_data, monkeypatch):
    import functools

    import remodel_fit.inference.sampler as sampler

    model, data, _ = logistic_data
    spec = parse_fit_section("lap", logistic_spec(warmup=30, draws=30, init="laplace"), seed=3, model=model)
    monkeypatch.setattr(sampler, "laplace", functools.partial(sampler.laplace, maxiter=1))
    keys = jax.random.split(stage_key(spec.seed, "fit:lap"), 2)
    with pytest.warns(UserWarning, match=r"BFGS did not converge in 1 iterations"):
        approx, starts = sampler.laplace_start(FitModel(model, data, spec), {"y": jnp.asarray(data.values)}, *keys, 2)
    assert approx is not None and not approx.converged and starts is not None


def test_written_netcdf_is_byte_identical_for_identical_draws(logistic_fit, tmp_path):
    """Same draws => same bytes: wall-clock attributes (created_at, timings) are not written."""
    import time

    write_idata(logistic_fit, tmp_path / "a.nc")
    time.sleep(1.1)
    rerun = logistic_fit.copy()  # what a second run of the config differs in: wall-clock attributes
    for g in rerun.children:
        rerun[g].attrs["created_at"] = "2031-01-01T00:00:00"
    rerun.posterior.attrs["sampling_seconds"] = 1.0 + float(logistic_fit.posterior.attrs["sampling_seconds"])
    write_idata(rerun, tmp_path / "b.nc")
    assert (tmp_path / "a.nc").read_bytes() == (tmp_path / "b.nc").read_bytes()
    back = az.from_netcdf(tmp_path / "a.nc")
    assert "created_at" not in back.posterior.attrs and "sampling_seconds" not in back.posterior.attrs
    assert "sampling_seconds" in logistic_fit.posterior.attrs  # the in-memory object keeps them


def test_schedules_mapped_vmapped_and_cut_at_their_last_visit_give_the_same_density(bone_model, monkeypatch):
    """Five schedules observed to different last visits: lax.map and vmap give the same density and
    gradient, and ending each solve at its last visit (the default) changes nothing."""
    import remodel_fit.inference.fit_model as fit_model
    from numpyro.infer.util import log_density

    model, _, section = bone_model
    levels = [5.0, 12.0, 23.0, 40.0, 60.0]
    tnf = jax.tree_util.tree_map(lambda *a: jnp.stack(a), *[level([0.0], [v]) for v in levels])
    names = [f"s{i}" for i in range(len(levels))]
    full = grid_dataset(names, names, [0, 90, 365, 730], ["bmd_ls", "ctx"], {"tnf": tnf})
    keep = full.time_index <= np.asarray([1, 2, 3, 3, 2])[full.subject_index]  # last visits 90 ... 730 d
    design = dataclasses.replace(full, subject_index=full.subject_index[keep], time_index=full.time_index[keep],
                                 observable_index=full.observable_index[keep], values=full.values[keep], sd=full.sd[keep])
    # tight tolerances: every path then approaches the exact solution, so any difference left is the batching's
    section = {**section, "solver": {"rtol": 1e-10, "atol": 1e-12, "max_steps": 100_000}}
    spec = parse_fit_section("m", section, model=model)
    data, _ = draw_data(FitModel(model, design, spec), jax.random.PRNGKey(5))
    point = {"tnf_e_rankl": 0.9, "kout_ls": 0.011, "ctx0": 0.45, "ctx0_sd": 0.3, "sigma_bmd_ls": 0.02, "sigma_ctx": 0.2}
    values = {}
    for batch, cut in (("map", True), ("vmap", True), ("map", False)):
        monkeypatch.setattr(fit_model, "BATCH", batch)
        fm = FitModel(model, data, spec)
        assert len(fm.schedules[0]) == len(levels)
        if not cut:
            fm.schedule_times = np.broadcast_to(np.asarray(data.times), fm.schedule_times.shape)
        else:
            np.testing.assert_array_equal(fm.subject_times.max(axis=1), [90, 365, 730, 730, 365])
        f = jax.jit(jax.value_and_grad(lambda p: log_density(fm, (), {"y": jnp.asarray(data.values)}, p)[0]))
        values[batch, cut] = f(point)
    (a, ga), *others = values.values()
    for b, gb in others:
        np.testing.assert_allclose(float(a), float(b), rtol=1e-9)
        for k in point:
            np.testing.assert_allclose(float(ga[k]), float(gb[k]), rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("discrepancy", [False, True])
def test_discrepancy_adds_a_noise_sd_in_quadrature_to_the_table_sd(discrepancy):
    model = get_model("logistic")
    design = grid_dataset(["s0", "s1"], ["a", "a"], [0, 30, 90], ["N"])
    values = np.linspace(2.0, 7.0, design.values.size)
    section = {"model": "logistic", "free": {"r": {"scale": 0.5}}, "noise": {"N": {"scale": 0.2}},
               "discrepancy": discrepancy}
    spec = parse_fit_section("d", section, model=model)
    for sd in (np.full(values.size, 0.3), np.where(np.arange(values.size) % 2 == 0, 0.3, np.nan)):
        fm = FitModel(model, dataclasses.replace(design, values=values, sd=sd), spec)
        point = {"r": 0.12, "sigma_N": 0.05}
        trace = handlers.trace(handlers.substitute(fm, point)).get_trace(y=jnp.asarray(values))
        sd_log = 0.3 / values
        table = np.sqrt(sd_log**2 + 0.05**2) if discrepancy else sd_log
        expected = np.where(np.isfinite(sd), table, 0.05)
        np.testing.assert_allclose(np.asarray(trace["y"]["fn"].scale), expected, rtol=1e-12)
        # a noise sd is sampled only where it is used
        assert ("sigma_N" in trace) == (discrepancy or bool(np.isnan(sd).any()))
    with pytest.raises(ConfigError, match="fit.fits.d.discrepancy: .yes. is a string, not true or false"):
        parse_fit_section("d", {**section, "discrepancy": "yes"}, model=model)


def test_heldout_coverage_is_near_its_level_for_new_subjects_and_low_for_a_wrong_posterior(logistic_data, logistic_fit):
    from remodel_fit.inference.heldout import heldout_coverage

    model, _, _ = logistic_data
    spec = parse_fit_section("logistic", logistic_spec(), seed=3, model=model)
    design = grid_dataset([f"new{i}" for i in range(40)], ["a"] * 40, [0, 10, 20, 30, 45, 60, 90], ["N"])
    new, _ = draw_data(FitModel(model, design, spec), jax.random.PRNGKey(99), LOGISTIC_TRUTH)
    fm = FitModel(model, new, spec)
    posterior = logistic_fit.posterior.to_dataset()
    table, summary, head = heldout_coverage(fm, posterior, jax.random.PRNGKey(1), draws=150, level=0.9)
    assert head["points"] == 280 and head["draws"] == 150 and head["draws_with_failed_solves"] == 0
    assert 0.8 <= head["fraction_inside"] <= 0.98, head
    assert summary.iloc[-1]["subject"] == "all" and summary.iloc[-1]["points"] == 280
    assert set(table["subject"]) == {f"new{i}" for i in range(40)}
    wrong = posterior.assign(K=posterior["K"] * 2.0)  # carrying capacity twice the truth
    _, _, off = heldout_coverage(fm, wrong, jax.random.PRNGKey(1), draws=150, level=0.9)
    assert off["fraction_inside"] < 0.5, off
