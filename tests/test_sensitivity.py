"""Sensitivity engine against analytic indices; failure policy; a small bone-model GSA."""

from __future__ import annotations

import warnings

import jax.numpy as jnp
import numpy as np
import pytest

from remodel_fit.bone.gsa import bone_problem
from remodel_fit.errors import ConfigError, EvaluationError
from remodel_fit.sensitivity import (
    InProcess,
    MultiProcess,
    bounds_from_posterior,
    convergence,
    dgsm,
    evaluate_chunked,
    long_format,
    morris,
    sobol,
)

A, B = 7.0, 0.1
PI = np.pi
ISHIGAMI = {"names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}


def ishigami(X):
    return jnp.sin(X[:, 0]) + A * jnp.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * jnp.sin(X[:, 0])


def ishigami_indices():
    """Closed-form S1 and ST of the Ishigami function on [-pi, pi]^3."""
    v1 = 0.5 * (1 + B * PI**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = 8 * B**2 * PI**8 / 225
    var = A**2 / 8 + B * PI**4 / 5 + B**2 * PI**8 / 18 + 0.5
    return np.array([v1, v2, 0.0]) / var, np.array([v1 + v13, v2, v13]) / var


@pytest.fixture(scope="module")
def ishigami_frame():
    return sobol(ishigami, ISHIGAMI, n=2**13, seed=11)


def test_ishigami_closed_form_matches_published_values():
    s1, st = ishigami_indices()
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=1e-4)


@pytest.mark.parametrize("index", ["S1", "ST"])
def test_ishigami_indices_within_ci_and_003(ishigami_frame, index):
    first = ishigami_frame[ishigami_frame["kind"] == "first_total"]
    truth = dict(zip(["S1", "ST"], ishigami_indices()))[index]
    est, conf = first[index].to_numpy(), first[f"{index}_conf"].to_numpy()
    assert np.all(np.abs(est - truth) <= 0.03), (est, truth)
    assert np.all(np.abs(est - truth) <= conf), (est, conf, truth)
    assert np.all(conf < 0.05)


def test_ishigami_second_order_rows(ishigami_frame):
    second = ishigami_frame[ishigami_frame["kind"] == "second"].set_index("parameter")
    assert list(second.index) == ["x1:x2", "x1:x3", "x2:x3"]
    s1, st = ishigami_indices()
    assert abs(second.loc["x1:x3", "S2"] - (st[0] - s1[0])) < 0.05  # S13 = V13 / V
    assert second.loc["x1:x2", "ci_overlaps_zero"] and second.loc["x2:x3", "ci_overlaps_zero"]
    assert not second.loc["x1:x3", "ci_overlaps_zero"]
    long = long_format(ishigami_frame)
    assert set(long["index"]) == {"S1", "ST", "S2"} and len(long) == 9
    assert {"parameter", "output", "value", "conf", "ci_low", "ci_high", "ci_overlaps_zero"} <= set(long.columns)


@pytest.mark.parametrize("second_order", [True, False])
def test_vectorised_estimators_equal_salib(second_order):
    """sensitivity.saltelli gives SALib's indices and bootstrap half-widths (same resamples)."""
    from SALib.analyze import sobol as salib_sobol

    from remodel_fit.sensitivity.saltelli import bootstrap_rows, sobol_indices
    from remodel_fit.sensitivity.sobol import sample

    problem = {"num_vars": 4, "names": ["x1", "x2", "x3", "x4"], "bounds": [[-PI, PI]] * 4}
    X = sample(problem, 512, seed=3, second_order=second_order)
    y = np.asarray(ishigami(jnp.asarray(X))) + 0.3 * X[:, 3] * X[:, 0]
    step = 10 if second_order else 6
    ours = sobol_indices(y, 4, second_order=second_order, rows=bootstrap_rows(len(y) // step, 50, 11), conf_level=0.9)
    ref = salib_sobol.analyze(problem, y, calc_second_order=second_order, num_resamples=50, conf_level=0.9, seed=11)
    for key, value in ours.items():
        np.testing.assert_allclose(value, np.asarray(ref[key]), rtol=1e-10, atol=1e-14, err_msg=key)


def test_sobol_g_function_analytic():
    a = np.array([0.0, 1.0, 4.5, 9.0, 99.0])

    def g(X):
        return jnp.prod((jnp.abs(4 * X - 2) + a) / (1 + a), axis=1)

    vi = 1 / (3 * (1 + a) ** 2)
    var = np.prod(1 + vi) - 1
    s1 = vi / var
    st = vi * np.array([np.prod(np.delete(1 + vi, i)) for i in range(a.size)]) / var
    problem = {"names": [f"x{i}" for i in range(a.size)], "bounds": [[0, 1]] * a.size}
    frame = sobol(g, problem, n=2**12, seed=5, second_order=False)
    assert np.all(np.abs(frame["S1"] - s1) < 0.03)
    assert np.all(np.abs(frame["ST"] - st) < 0.03)


def test_dgsm_ishigami_closed_form():
    nu = np.array([0.5 * (1 + 2 * B * PI**4 / 5 + B**2 * PI**8 / 9), A**2 / 2, 8 * B**2 * PI**6 / 7])
    frame = dgsm(ishigami, ISHIGAMI, n=2**12, seed=2)
    est, conf = frame["nu"].to_numpy(), frame["nu_conf"].to_numpy()
    assert np.all(np.abs(est - nu) <= np.maximum(conf, 1e-6)), (est, nu, conf)
    np.testing.assert_allclose(est, nu, rtol=0.02)
    _, st = ishigami_indices()
    assert np.all(frame["dgsm_bound"].to_numpy() >= st)  # the Poincare bound on ST holds


def test_dgsm_linear_exact():
    # f = 2 x0 - 3 x1 on U(0, 1) x N(0, 2): derivatives constant, bound exact for the normal input
    problem = {"names": ["a", "b"], "bounds": [[0, 1], [0, 2]], "dists": ["unif", "norm"]}
    frame = dgsm(lambda X: 2 * X[:, 0] - 3 * X[:, 1], problem, n=256, seed=0)
    np.testing.assert_allclose(frame["nu"], [4.0, 9.0], rtol=1e-12)
    var = 4 / 12 + 9 * 4
    np.testing.assert_allclose(frame["dgsm_bound"], [4 / PI**2 / var, 36 / var], rtol=0.1)


def test_same_seed_same_indices_other_seed_differs():
    f1 = sobol(ishigami, ISHIGAMI, n=256, seed=3)
    f2 = sobol(ishigami, ISHIGAMI, n=256, seed=3)
    f3 = sobol(ishigami, ISHIGAMI, n=256, seed=4)
    cols = ["S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf"]
    assert f1[cols].equals(f2[cols])
    assert not f1[cols].equals(f3[cols])


def test_convergence_and_morris_on_ishigami():
    conv = convergence(ishigami, ISHIGAMI, ns=[64, 256, 1024], seed=1)
    width = conv[conv["parameter"] == "x1"].set_index("n")["ST_conf"]
    assert width[1024] < width[64]
    mor = morris(ishigami, ISHIGAMI, trajectories=64, seed=1).set_index("parameter")
    assert mor.loc["x2", "mu_star"] > mor.loc["x3", "mu_star"] > 0
    assert mor.loc["x2", "sigma"] > 0


def nan_some(X):
    y = ishigami(X)
    return jnp.where(X[:, 0] > 3.0, jnp.nan, y)


def test_failure_policy_fail_raises_with_count():
    with pytest.raises(EvaluationError, match=r"sobol: \d+ of 1280 evaluations failed.*'fail'"):
        sobol(nan_some, ISHIGAMI, n=256, seed=1, failure_policy="fail", second_order=False)


def test_failure_policy_exclude_warns_and_is_finite():
    with pytest.warns(RuntimeWarning, match="evaluations failed"):
        frame = sobol(nan_some, ISHIGAMI, n=1024, seed=1)
    report = frame.attrs["failures"]
    assert report["n_failed"] > 0 and 0 < report["n_blocks_dropped"] < report["n_blocks"]
    assert np.all(np.isfinite(frame[["S1", "ST"]].dropna().to_numpy()))
    assert np.all(np.isfinite(frame["S2"].dropna().to_numpy()))


def test_solver_flag_counts_as_failure():
    def flagged(X):
        return ishigami(X), X[:, 1] < 3.0

    X = np.random.default_rng(0).uniform(-PI, PI, (1000, 3))
    ev = evaluate_chunked(flagged, X, chunk=300, progress=False)
    assert ev.values.shape == (1000, 1) and np.all(np.isfinite(ev.values))
    np.testing.assert_array_equal(ev.failed, X[:, 1] >= 3.0)
    assert ev.n_failed > 0


def test_chunking_matches_single_batch():
    X = np.random.default_rng(1).uniform(-PI, PI, (777, 3))
    a = evaluate_chunked(ishigami, X, chunk=100, progress=False).values
    b = evaluate_chunked(ishigami, X, chunk=1000, progress=False).values
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a[:, 0], np.asarray(ishigami(jnp.asarray(X))))


def test_problem_errors_name_the_key():
    with pytest.raises(ConfigError, match="power of 2"):
        sobol(ishigami, ISHIGAMI, n=1000, seed=1)
    with pytest.raises(ConfigError, match="low < high"):
        sobol(ishigami, {"names": ["x1"], "bounds": [[1, 0]]}, n=64, seed=1)


# ------------------------------------------------------------------ bone model
TIMES = [182.625, 365.25]
CHUNK = 256  # every bone evaluation below uses this chunk (or DGSM's 32 rows): one compile each


def bone_eval(f, X, rows=CHUNK):
    """Evaluate ``X`` padded to ``rows`` rows so the shared compiled evaluator is reused."""
    padded = np.concatenate([X, np.repeat(X[-1:], rows - len(X), axis=0)])
    return evaluate_chunked(f, padded, chunk=rows, progress=False).values[: len(X)]


@pytest.fixture(scope="module")
def bone():
    """One jitted evaluator (TNF level, TNF effect on RANKL, IL-1 effect on RANKL), shared."""
    return bone_problem(
        {"tnf_level": [5.0, 60.0], "tnf_e_rankl": [0.0, 3.0], "il1_e_rankl": [0.0, 3.0]},
        times_days=TIMES, outputs=("ctx_rel", "bmd_ls_rel"),
    )


@pytest.fixture(scope="module")
def bone_sobol(bone):
    return sobol(bone.f, bone.problem, n=128, seed=7, output_names=bone.columns["column"].tolist(),
                 evaluator=InProcess(chunk=CHUNK))


def test_bone_tnf_dominates_ctx_and_il1_effect_is_inert(bone_sobol):
    first = bone_sobol[bone_sobol["kind"] == "first_total"].set_index(["output", "parameter"])
    ctx = first.loc["ctx_rel@365.25d"]
    assert ctx.loc["tnf_level", "ST"] + ctx.loc["tnf_e_rankl", "ST"] > 0.9
    assert ctx.loc["tnf_level", "ST"] > ctx.loc["tnf_e_rankl", "ST"] > 0
    assert not ctx.loc["tnf_e_rankl", "ci_overlaps_zero"]
    # IL-1 stays at its reference level, where every effect factor is exactly 1
    inert = first.xs("il1_e_rankl", level="parameter")
    assert np.all(np.abs(inert["ST"]) <= inert["ST_conf"] + 1e-12)
    assert inert["ci_overlaps_zero"].all()
    assert bone_sobol.attrs["failures"]["n_failed"] == 0


def test_bone_outputs_have_the_right_sign(bone):
    X = np.array([[5.0, 1.0, 1.0], [60.0, 3.0, 1.0]])
    values = bone_eval(bone.f, X)
    cols = bone.columns.set_index("column").index.get_loc
    assert abs(values[0, cols("ctx_rel@365.25d")] - 1) < 1e-6  # TNF at its reference: healthy
    assert abs(values[0, cols("bmd_ls_rel@365.25d")]) < 1e-4  # per cent change 0
    assert values[1, cols("ctx_rel@365.25d")] > 1.2
    assert values[1, cols("bmd_ls_rel@365.25d")] < 0


def test_bone_dgsm_grad_matches_sobol_ranking(bone):
    frame = dgsm(bone.f, bone.problem, n=32, seed=1, output_names=bone.columns["column"].tolist())
    ctx = frame[frame["output"] == "ctx_rel@365.25d"].set_index("parameter")
    assert ctx.loc["il1_e_rankl", "nu"] < 1e-20 * ctx.loc["tnf_e_rankl", "nu"]
    assert ctx.loc["tnf_level", "nu"] > 0 and ctx.loc["tnf_e_rankl", "nu"] > 0


def test_bone_jacobian_matches_central_differences(bone):
    from remodel_fit.sensitivity.dgsm import with_jacobian

    x = np.array([30.0, 1.5, 1.0])
    h = np.array([1e-3, 1e-4, 1e-4])
    k = len(bone.columns)
    jac = bone_eval(with_jacobian(bone.f), x[None], rows=32)[0, k:].reshape(k, 3)
    steps = np.concatenate([x + np.diag(h), x - np.diag(h)])
    values = bone_eval(bone.f, steps)
    fd = ((values[:3] - values[3:]) / (2 * h[:, None])).T
    np.testing.assert_allclose(jac[:, :2], fd[:, :2], rtol=1e-3, atol=1e-7)


def test_bone_problem_rejects_unknown_names():
    with pytest.raises(ConfigError, match="gsa.parameters.tnf_e_rnakl"):
        bone_problem({"tnf_e_rnakl": [0, 1]}, times_days=[365.25])
    with pytest.raises(ConfigError, match="gsa.parameters.foo_level"):
        bone_problem({"foo_level": [0, 1]}, times_days=[365.25])


def test_bounds_from_posterior_quantiles(tmp_path):
    import arviz as az

    draws = np.random.default_rng(0).normal(1.0, 0.1, (2, 500))
    idata = az.from_dict({"posterior": {"tnf_e_rankl": draws}})
    bounds = bounds_from_posterior(idata, ["tnf_e_rankl"], q=(0.05, 0.95))
    np.testing.assert_allclose(bounds["tnf_e_rankl"], np.quantile(draws, [0.05, 0.95]))
    path = tmp_path / "idata.nc"
    idata.to_netcdf(str(path))
    assert bounds_from_posterior(path, ["tnf_e_rankl"]) == bounds
    with pytest.raises(ConfigError, match="no variable 'il6_ec50'"):
        bounds_from_posterior(idata, ["il6_ec50"])


def test_gsa_solver_overrides_the_shared_section_and_rodas4p_agrees_with_tsit5(bone):
    from remodel_fit.settings.gsa import GsaSettings

    settings = GsaSettings(solver={"solver": "rodas4p", "rtol": 1e-7})
    config = settings.solver_config({"solver": "tsit5", "atol": 1e-9, "adjoint": "recursive"})
    assert (config.solver, config.rtol, config.atol, config.adjoint) == ("rodas4p", 1e-7, 1e-9, "forward")
    with pytest.raises(ConfigError, match="gsa.solver.solver: unknown value 'rk4'; expected one of tsit5"):
        GsaSettings(solver={"solver": "rk4"}).solver_config({})
    with pytest.raises(ConfigError, match=r"gsa.solver.rtoll: unknown key \(did you mean 'rtol'\?\)"):
        GsaSettings(solver={"rtoll": 1e-6}).solver_config({})
    rosenbrock = bone_problem(dict(zip(bone.problem["names"], bone.problem["bounds"])), times_days=TIMES,
                            outputs=("ctx_rel", "bmd_ls_rel"), solver=config)
    X = np.array([[60.0, 3.0, 3.0], [5.0, 0.0, 0.0], [30.0, 1.5, 1.0], [45.0, 2.5, 0.5]])
    reference = bone_eval(bone.f, X)
    np.testing.assert_allclose(evaluate_chunked(rosenbrock.f, X, chunk=4, progress=False).values, reference, rtol=2e-5, atol=1e-6)


def test_worker_processes_give_the_in_process_values(bone):
    """Implicit solvers spread the Sobol' design over processes: same rows, same order, same values."""
    X = np.random.default_rng(3).uniform([5.0, 0.0, 0.0], [60.0, 3.0, 3.0], (10, 3))
    ev = MultiProcess(processes=2, chunk=4).evaluate(bone.f, X)  # blocks of 4, 4, 2 (padded); the batch function pickles
    assert ev.values.shape == (10, 4) and not ev.failed.any()
    np.testing.assert_allclose(ev.values, bone_eval(bone.f, X), rtol=1e-9)  # other batch sizes: last-bit rounding


def test_default_horizons_and_grid_give_one_column_per_output_and_day():
    """The default grid holds the horizons exactly (quarter years of 91.3125 d): no near-duplicate days."""
    from remodel_fit.bone.gsa import BoneStudyOptions
    from remodel_fit.sensitivity.study import column_indices

    options = BoneStudyOptions()
    days = sorted({round(float(t), 9) for t in [*options.horizon_days, *options.time_grid_days]})
    assert len(days) == len(options.time_grid_days) == 42 and set(options.horizon_days) <= set(options.time_grid_days)
    timed = bone_problem({"tnf_level": [5, 60]}, times_days=days, outputs=list(options.outputs))
    assert not timed.columns["column"].duplicated().any()
    assert len(column_indices(timed, options.horizon_days)) == len(options.outputs) * len(options.horizon_days)
