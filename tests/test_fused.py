"""The fused integrator: accuracy against a tight reference, sensitivities against finite
differences, save and jump bookkeeping, failures, batching and its place in fit configs."""

from __future__ import annotations

import dataclasses

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from remodel_fit import SolverConfig, get_model, simulate
from remodel_fit.errors import ConfigError
from remodel_fit.settings.fit import fit_options_from_section as parse_fit_section
from remodel_fit.model import ModelError
from remodel_fit.model.inputs import every, level
from remodel_fit.solve import failure_reason
from remodel_fit.solve.fused import erk_solve, jacfwd_shared, rosenbrock_solve
from remodel_fit.solve.rodas import RODAS4, RODAS4P

BONE = get_model("bone_inflammation")
# doses every 6 months and a cytokine flare from day 100 to day 400: jumps inside the window,
# save times on a dose (182.5), on the flare's end (400) and between
TIMES = jnp.array([30.0, 120.0, 182.5, 250.0, 400.0, 500.0, 730.0])
INPUTS = {"denosumab_mg": every(0.0, 182.5, 60.0, 730.0), "tnf": level([100.0, 400.0], [40.0, 5.0])}
FUSED = SolverConfig(engine="fused")
REFERENCE = SolverConfig(solver="dopri8", rtol=1e-12, atol=1e-14)
FREE = ("tnf_e_ob", "dmab_kA", "k_form", "D_OCp")  # D_OCp moves the steady state itself
OBSERVED = ("bmd_ls_rel", "ctx_rel", "p1np_rel", "denosumab")


def observables(config: SolverConfig):
    """Jitted ``theta -> (observables (obs, time), ok)`` for the FREE parameters."""

    def f(theta):
        sol = simulate(BONE, {**BONE.params(), **dict(zip(FREE, theta))}, TIMES, INPUTS, config=config)
        return jnp.stack([sol.observables[o] for o in OBSERVED]), sol.ok

    return jax.jit(f)


THETA = jnp.array([0.5, 0.05, 0.03, 2.1e-3])


@pytest.fixture(scope="module")
def reference():
    table, ok = observables(REFERENCE)(THETA)
    assert bool(ok)
    return np.asarray(table)


@pytest.mark.parametrize("solver, bound", [("tsit5", 2e-5), ("dopri8", 2e-6), ("rodas4p", 2e-5)])  # 7, 13, 6 stages
def test_values_match_a_tight_reference_across_jumps(reference, solver, bound):
    fused, ok = observables(dataclasses.replace(FUSED, solver=solver))(THETA)
    same_in_diffrax, _ = observables(SolverConfig(solver=solver))(THETA)
    assert bool(ok)
    err_fused = np.max(np.abs(np.asarray(fused) / reference - 1))
    err_diffrax = np.max(np.abs(np.asarray(same_in_diffrax) / reference - 1))
    assert err_fused < bound, err_fused  # rtol 1e-6 per step
    assert err_fused < 10 * err_diffrax + 1e-6  # as accurate as diffrax's solver at the same tolerances


@pytest.mark.parametrize("jacobian", [jax.jacfwd, jacfwd_shared], ids=["states-control", "sensitivity-control"])
@pytest.mark.parametrize("solver", ["tsit5", "rodas4p"])
def test_sensitivities_match_central_differences(reference, solver, jacobian):
    fused = observables(dataclasses.replace(FUSED, solver=solver))
    jac = np.asarray(jax.jit(jacobian(lambda th: fused(th)[0]))(THETA))
    tight = observables(REFERENCE)
    fd = np.empty_like(jac)
    for k in range(len(FREE)):
        step = 1e-4 * float(THETA[k])
        up, down = THETA.at[k].add(step), THETA.at[k].add(-step)
        fd[..., k] = (np.asarray(tight(up)[0]) - np.asarray(tight(down)[0])) / (2 * step)
    scale = np.max(np.abs(fd), axis=(0, 1), keepdims=True)  # per parameter
    assert np.all(scale > 0)
    assert np.max(np.abs(jac - fd) / scale) < 1e-3


LOGISTIC_TS = jnp.linspace(0.0, 30.0, 31)
LOGISTIC_THETA = jnp.array([0.5, 2.0])  # growth rate r, capacity k; y(0) = 0.01
LOGISTIC_RTOL = 1e-6


def logistic(theta, tangent_tolerance=1.0):
    """Logistic growth by fused Tsit5 at :data:`LOGISTIC_RTOL`: (y at the save times, (y, [ok, steps]))."""
    ys, status = erk_solve(lambda t, y, a: a[0] * y * (1.0 - y / a[1]), diffrax.Tsit5().tableau, jnp.array([0.01]),
                           theta, LOGISTIC_TS, jnp.array([100.0]), 0.0, rtol=LOGISTIC_RTOL, atol=1e-9, max_steps=4096,
                           error_order=5, tangent_tolerance=tangent_tolerance)
    return ys[:, 0], (ys[:, 0], status)


def logistic_exact():
    """The exact logistic solution at :data:`LOGISTIC_THETA` and its Jacobian in (r, k)."""
    (r, k), y0, t = np.asarray(LOGISTIC_THETA), 0.01, np.asarray(LOGISTIC_TS)
    e = np.exp(r * t)
    den = k + y0 * (e - 1.0)
    jac = np.stack([k * y0 * t * e * (k - y0) / den**2, y0 * e * y0 * (e - 1.0) / den**2], axis=-1)
    return k * y0 * e / den, jac


def jacobian_error(jac, exact) -> float:
    return float(np.max(np.abs(np.asarray(jac) - exact) / (np.abs(exact) + 1e-6)))


def test_sensitivity_error_control_on_the_shared_tangent_axis():
    """Logistic growth, exact sensitivities: with its tangent lanes on the named axis the Jacobian
    is as accurate as the tolerance asks (the states alone leave it 17x off at rtol 1e-6), with
    one step sequence (the states unbatched and as accurate as without)."""
    rtol, theta = LOGISTIC_RTOL, LOGISTIC_THETA
    exact_y, exact = logistic_exact()
    (plain, (_, plain_status)), (shared, (y, shared_status)) = (
        jax.jacfwd(logistic, has_aux=True)(theta), jax.jit(jacfwd_shared(logistic, has_aux=True))(theta))
    error = lambda jac: jacobian_error(jac, exact)  # noqa: E731
    assert error(shared) < 2 * rtol < error(plain) / 5
    assert np.max(np.abs(np.asarray(y) - exact_y) / exact_y) < rtol
    assert shared_status[0] == 1.0 and shared_status[1] > plain_status[1]  # more steps: the tangents ask for them


def test_a_looser_tangent_tolerance_takes_fewer_steps_and_meets_its_own_tolerance():
    """Logistic growth, exact sensitivities, rtol 1e-6: tangents held to 5x the states'
    tolerance are as accurate as that looser tolerance asks, in fewer steps than at 1x and more
    than with the states alone; the states stay within rtol."""
    rtol, theta = LOGISTIC_RTOL, LOGISTIC_THETA

    def jacobian(loosen):
        return jax.jit(jacfwd_shared(lambda x: logistic(x, loosen), has_aux=True))(theta)

    exact_y, exact = logistic_exact()
    error = lambda jac: jacobian_error(jac, exact)  # noqa: E731
    (tight, (_, tight_status)), (loose, (y, loose_status)) = jacobian(1.0), jacobian(5.0)
    _, (_, plain_status) = logistic(theta)
    assert error(tight) < 2 * rtol < error(loose) < 2 * 5 * rtol
    assert np.max(np.abs(np.asarray(y) - exact_y) / exact_y) < rtol
    assert plain_status[1] < loose_status[1] < tight_status[1]


def test_saves_at_start_and_repeated_times():
    times = jnp.array([0.0, 0.0, 182.5, 182.5, 365.0])
    sol = simulate(BONE, BONE.params(), times, INPUTS, config=FUSED)
    assert bool(sol.ok)
    np.testing.assert_array_equal(sol.states[0], sol.y0)
    np.testing.assert_array_equal(sol.states[1], sol.y0)
    np.testing.assert_array_equal(sol.states[2], sol.states[3])
    assert float(sol.observables["denosumab"][2]) > 0


def test_failed_solve_is_reported_not_raised():
    sol = simulate(BONE, BONE.params(), TIMES, INPUTS, config=dataclasses.replace(FUSED, max_steps=16))
    assert not bool(sol.ok)
    assert "maximum number of solver steps" in failure_reason(sol.result)


def test_vmap_over_parameters_equals_the_loop():
    thetas = jnp.stack([THETA, THETA.at[0].set(2.0), THETA.at[3].set(3e-3)])
    f = observables(FUSED)
    batched, ok = jax.vmap(f)(thetas)
    assert bool(jnp.all(ok))
    for i in range(thetas.shape[0]):  # lanes step independently (vectorised transcendentals: last-bit changes)
        np.testing.assert_allclose(batched[i], f(thetas[i])[0], rtol=1e-6)
    assert np.max(np.abs(np.asarray(batched[1]) / np.asarray(batched[0]) - 1)) > 1e-3  # the lanes differ


def robertson(t, y, k):
    """Robertson's chemical kinetics (Hairer & Wanner II, §IV.1): stiffness ratio ~1e11."""
    a, b, c = y[0], y[1], y[2]
    return jnp.stack([-k[0] * a + k[2] * b * c, k[0] * a - k[2] * b * c - k[1] * b * b, k[1] * b * b])


ROBERTSON_K = jnp.log(jnp.array([0.04, 3e7, 1e4]))
ROBERTSON_TIMES = jnp.array([0.4, 4.0, 40.0])


def robertson_fused(tableau):
    def solve(log_k):
        return rosenbrock_solve(robertson, tableau, jnp.array([1.0, 0.0, 0.0]), jnp.exp(log_k), ROBERTSON_TIMES,
                                jnp.array([jnp.inf]), 0.0, rtol=1e-8, atol=1e-12, max_steps=20_000)
    return solve


@pytest.mark.parametrize("tableau", [RODAS4, RODAS4P], ids=["rodas4", "rodas4p"])
def test_rosenbrock_step_solves_a_stiff_problem_and_its_sensitivities(tableau):
    solve = robertson_fused(tableau)
    ys, status = jax.jit(solve)(ROBERTSON_K)
    ref = diffrax.diffeqsolve(
        diffrax.ODETerm(robertson), diffrax.Kvaerno5(), 0.0, 40.0, 1e-6, jnp.array([1.0, 0.0, 0.0]),
        args=jnp.exp(ROBERTSON_K), saveat=diffrax.SaveAt(ts=ROBERTSON_TIMES),
        stepsize_controller=diffrax.PIDController(rtol=1e-11, atol=1e-15), max_steps=100_000,
    )
    assert float(status[0]) == 1.0
    assert float(status[1]) < 400  # Tsit5 at these tolerances is stability-limited (tens of thousands)
    np.testing.assert_allclose(ys, ref.ys, rtol=1e-7, atol=1e-13)
    jac = np.asarray(jax.jit(jax.jacfwd(lambda lk: solve(lk)[0]))(ROBERTSON_K))
    fd = np.stack([(np.asarray(solve(ROBERTSON_K.at[i].add(1e-5))[0]) - np.asarray(solve(ROBERTSON_K.at[i].add(-1e-5))[0]))
                   / 2e-5 for i in range(3)], axis=-1)
    assert np.max(np.abs(jac - fd)) / np.max(np.abs(fd)) < 1e-6


def test_engine_choices_are_checked():
    with pytest.raises(ValueError, match="engine 'fused' integrates solvers"):
        SolverConfig(solver="kvaerno5", engine="fused")
    with pytest.raises(ValueError, match="Input should be 'diffrax' or 'fused'"):
        SolverConfig(engine="scipy")


def test_fits_default_to_the_fused_engine_when_they_can():
    section = {"model": "bone_inflammation", "free": {"k_form": {"scale": 0.5}}}
    assert parse_fit_section("a", section).solver.engine == "fused"  # parallel chains: forward gradient
    reverse = {**section, "nuts": {"gradient": "reverse"}}
    assert parse_fit_section("b", reverse).solver.engine == "diffrax"
    assert parse_fit_section("c", section, solver={"solver": "kvaerno5"}).solver.engine == "diffrax"
    assert parse_fit_section("d", section, solver={"engine": "diffrax"}).solver.engine == "diffrax"
    with pytest.raises(ConfigError, match="fit.fits.e: nuts.gradient 'reverse' cannot differentiate solver engine 'fused'"):
        parse_fit_section("e", {**reverse, "solver": {"engine": "fused"}})
