"""Simulation: exact healthy limit, directions from the seed, gradients, transforms, failures."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from remodel_fit import SolverConfig, get_model, simulate
from remodel_fit.model import ModelError
from remodel_fit.model.inputs import doses, every, level
from remodel_fit.model.logistic import logistic_exact
from remodel_fit.solve import failure_reason

BONE = get_model("bone_inflammation")
YEARS = jnp.array([0.0, 30.0, 182.0, 365.0, 730.0, 1825.0])
RA = {"tnf": level([0.0], [23.0]), "il6": level([0.0], [30.0])}
TIGHT = SolverConfig(rtol=1e-9, atol=1e-11)


@pytest.fixture(scope="module")
def solve_years():
    """One compiled solver per input structure (jit caches by pytree structure)."""
    return jax.jit(lambda p, inputs: simulate(BONE, p, YEARS, inputs))


def test_healthy_limit_is_exact():
    p = BONE.params()
    at_reference = {c: level([0.0], [float(p[f"{c}_ref"])]) for c in ("tnf", "il1", "il6")}
    prepared = BONE.prepared(p, at_reference)
    y0 = BONE.initial_state(prepared, at_reference)
    for t in (0.0, 100.0, 3000.0):  # the model itself: every derivative vanishes exactly
        assert float(jnp.max(jnp.abs(BONE.vector_field(t, y0, prepared, at_reference) / y0.clip(1e-4)))) < 1e-12
    times = jnp.linspace(0, 3652.5, 11)
    sol = jax.jit(lambda p, u: simulate(BONE, p, times, u, config=TIGHT))(p, at_reference)
    assert bool(sol.ok)  # the solve: every state stays put to the solver's tolerance
    np.testing.assert_allclose(sol.states, np.broadcast_to(sol.y0, sol.states.shape), rtol=1e-8, atol=1e-14)
    for name in ("bmd_ls_rel", "ctx_rel", "p1np_rel"):
        np.testing.assert_allclose(sol.observables[name], 1.0, atol=1e-8)


def test_inflammation_moves_every_marker_the_right_way(solve_years):
    p = BONE.params()
    healthy = solve_years(p, {})
    for name, c_high in (("tnf", 23.0), ("il6", 30.0), ("il1", 10.0)):
        ra = solve_years(p, {name: level([0.0], [c_high])})
        o, h = ra.observables, healthy.observables
        assert o["rankl"][-1] > h["rankl"][-1], name  # RANKL up
        assert o["opg"][-1] < h["opg"][-1], name  # OPG down
        assert o["opg_rankl"][-1] < h["opg_rankl"][-1], name  # OPG:RANKL down
        assert o["ctx_rel"][-1] > 1.05, name  # resorption up
        bmd = np.asarray(o["bmd_ls_rel"])
        assert np.all(np.diff(bmd) < 0) and bmd[-1] < 0.99, name  # BMD falls over years
    higher = solve_years(p, {"tnf": level([0.0], [60.0])})
    assert higher.observables["bmd_ls_rel"][-1] < solve_years(p, {"tnf": level([0.0], [23.0])}).observables["bmd_ls_rel"][-1]


def test_anti_tnf_slows_the_loss(solve_years):
    p = BONE.params()
    untreated = solve_years(p, RA)
    treated = solve_years(p, {**RA, "anti_tnf_mg": every(182.0, 14.0, 40.0, 1826.0)})
    loss_untreated = 1 - untreated.observables["bmd_ls_rel"]
    loss_treated = 1 - treated.observables["bmd_ls_rel"]
    np.testing.assert_allclose(loss_treated[:3], loss_untreated[:3], rtol=1e-6)  # same until month 6
    assert loss_treated[-1] < 0.5 * loss_untreated[-1]
    assert treated.observables["ctx_rel"][-1] < untreated.observables["ctx_rel"][-1]


def test_denosumab_suppresses_ctx_within_a_month(solve_years):
    sol = solve_years(BONE.params(), {"denosumab_mg": doses([0.0], [60.0])})
    ctx = np.asarray(sol.observables["ctx_rel"])
    assert ctx[1] < 0.35  # day 30
    assert sol.observables["bmd_ls_rel"][3] > 1.0
    assert sol.observables["denosumab"][1] > 1000.0  # ng/mL, order of published Cmax


def _scalar_objective(model, times, inputs, config):
    def objective(p):
        sol = simulate(model, p, times, inputs, config=config)
        return sum(jnp.sum(jnp.log(jnp.abs(v) + 1e-30)) for v in sol.observables.values())

    return jax.jit(objective)


@pytest.mark.parametrize("name", ["bone_inflammation", "pivonka2008", "lemaire2004", "logistic"])
def test_gradients_match_central_differences(name):
    model = get_model(name)
    times = jnp.array([0.0, 20.0, 60.0, 150.0])
    inputs = {}
    if name == "bone_inflammation":
        inputs = {
            "tnf": level([0.0], [23.0]), "il1": level([0.0], [8.0]), "il6": level([10.0], [30.0]),
            "denosumab_mg": doses([5.0], [30.0]), "anti_tnf_mg": doses([40.0], [40.0]), "anti_il6_mg": doses([50.0], [80.0]),
        }
    params = model.params({"tnf_e_ocp": 0.4, "il1_e_ocp": 0.2, "il6_e_ocp": 0.1} if name == "bone_inflammation" else {})
    f = _scalar_objective(model, times, inputs, TIGHT)
    grad = jax.grad(f)(params)
    names = model.parameter_names
    base = np.array([float(params[k]) for k in names])
    steps = 1e-4 * np.maximum(np.abs(base), 1e-3)

    def at(i, sign):
        return f({**params, names[i]: jnp.asarray(base[i] + sign * steps[i])})

    fd = np.array([(at(i, 1) - at(i, -1)) / (2 * steps[i]) for i in range(len(names))])
    ad = np.array([float(grad[k]) for k in names])
    scaled_fd, scaled_ad = fd * np.maximum(np.abs(base), 1e-3), ad * np.maximum(np.abs(base), 1e-3)
    assert np.all(np.isfinite(ad))
    np.testing.assert_allclose(scaled_ad, scaled_fd, rtol=2e-4, atol=2e-6 * np.max(np.abs(scaled_fd)))
    assert np.sum(np.abs(scaled_ad) > 1e-8) >= 0.8 * len(names)  # the objective really depends on them


def test_vmap_matches_loop_and_logistic_matches_closed_form():
    model = get_model("logistic")
    times = jnp.linspace(0.0, 80.0, 9)
    r = jnp.array([0.05, 0.1, 0.2])
    batch = jax.vmap(lambda r: simulate(model, {"r": r, "K": jnp.asarray(100.0), "N0": jnp.asarray(5.0)}, times))(r)
    for i, ri in enumerate(r):
        exact = logistic_exact(times, ri, 100.0, 5.0)
        np.testing.assert_allclose(batch.observables["N"][i], exact, rtol=1e-5)
    assert bool(jnp.all(batch.ok))


def test_failed_solve_is_flagged_not_silent():
    model = get_model("pivonka2008")
    sol = simulate(model, model.params(), jnp.array([0.0, 3650.0]), config=SolverConfig(max_steps=4))
    assert not bool(sol.ok)
    assert "maximum number of solver steps" in failure_reason(sol.result)


def test_unbracketed_steady_state_is_flagged():
    model = get_model("pivonka2008")
    sol = simulate(model, model.params(D_OCp=1e-30), jnp.array([0.0, 10.0]))
    assert not bool(sol.ok)
    assert "steady state not found" in failure_reason(sol.result)


def test_simulate_rejects_bad_inputs_and_shapes():
    p = BONE.params()
    with pytest.raises(ModelError, match="has no input 'tnfa'"):
        simulate(BONE, p, YEARS, {"tnfa": level([0.0], [1.0])})
    with pytest.raises(ModelError, match="is a dose; pass a DoseSchedule"):
        simulate(BONE, p, YEARS, {"denosumab_mg": level([0.0], [60.0])})
    with pytest.raises(ModelError, match="mixed shapes"):
        simulate(BONE, {**p, "D_OBp": jnp.array([0.2, 0.3])}, YEARS)
    with pytest.raises(ModelError, match="lack"):
        simulate(BONE, {k: v for k, v in p.items() if k != "RANK"}, YEARS)
