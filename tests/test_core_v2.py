"""``bone_inflammation_v2``: steady state, inert references, cytokine arms where the biology acts,
the clinical must-shows of issue 17 (denosumab, teriparatide, constant inflammation), gradients.

The scenarios share one compiled solve (parameters and schedules traced, one input structure)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from remodel_fit.bone import cytokines, teriparatide
from remodel_fit.bone.inflammation_v2 import BONE_INFLAMMATION_V2 as M
from remodel_fit.bone.inflammation_v2 import signals
from remodel_fit.bone.inflammation_v2.signals import baseline_factors, rankl_opg
from remodel_fit.model import pivonka
from remodel_fit.model.inputs import doses, level
from remodel_fit.solve import SolverConfig, simulate

DAYS = np.arange(0.0, 1461.0, 1.0)
SCENARIO_SOLVER = SolverConfig(solver="tsit5", rtol=1e-7, atol=1e-9)
DMAB_DAYS = [0.0, 182.5, 365.0, 547.5]  # 60 mg every 6 months, 4 doses (Bone 2011 design), then stopped
MONTH = 30.44


def scenario(dmab_mg: float = 0.0, teri_ug_day: float = 0.0, tnf: float = 5.0, il6: float = 5.0) -> dict:
    """Inputs of one structure: 4 denosumab doses, 2 years of daily teriparatide, TNF and IL-6 levels."""
    return {"denosumab_mg": doses(DMAB_DAYS, [dmab_mg] * 4), "teriparatide_ug_day": level([0.0, 730.0], [teri_ug_day, 0.0]),
            "tnf": level([0.0], [tnf]), "il6": level([0.0], [il6])}


@pytest.fixture(scope="module")
def run():
    solve = jax.jit(lambda p, inputs: simulate(M, p, jnp.asarray(DAYS), inputs, config=SCENARIO_SOLVER))

    def observe(inputs, p=None):
        sol = solve(M.defaults() if p is None else p, inputs)
        assert bool(sol.ok)
        return {k: np.asarray(v) for k, v in sol.observables.items()}

    return observe


@pytest.fixture(scope="module")
def denosumab(run):
    return run(scenario(dmab_mg=60.0))


# ------------------------------------------------------------------------------ steady state
def test_healthy_steady_state_is_a_root_of_the_vector_field():
    p = M.defaults()
    q = M.prepared(p, {})
    y0 = M.initial_state(q, {})
    f = np.asarray(M.vector_field(0.0, y0, q, {}))
    scale = np.where(np.abs(np.asarray(y0)) > 0, np.abs(np.asarray(y0)), 1e4)
    cells_drug_formation = [0, 1, 2, 3, 4, 5]
    mineral = [9, 10, 11]
    assert np.max(np.abs(f[cells_drug_formation + mineral]) / scale[cells_drug_formation + mineral]) < 1e-12
    # bone volume drifts at the cohort's BMU formation deficit only
    np.testing.assert_allclose(f[6:9], [-float(p[f"k_{s}"] * p[f"eps_{s}"]) for s in ("ls", "th", "fn")], rtol=1e-10)
    healthy = M.params({"eps_ls": 0.0, "eps_th": 0.0, "eps_fn": 0.0})
    qh = M.prepared(healthy, {})
    assert np.max(np.abs(np.asarray(M.vector_field(0.0, M.initial_state(qh, {}), qh, {}))) / scale) < 1e-12
    np.testing.assert_allclose(float(q["OCa0"]), float(p["oca_ref"]), rtol=1e-10)


def test_reference_steady_state_is_pivonkas():
    """``oca_ref`` and ``obu_supply_ref`` are the Pivonka 2008 steady state they claim to be."""
    pv = pivonka.PIVONKA_2008.defaults()
    obp, oba, oca = (float(x) for x in pivonka.steady_cells(pv))
    p = M.defaults()
    np.testing.assert_allclose(float(p["oca_ref"]), oca, rtol=1e-9)
    np.testing.assert_allclose(float(p["obu_supply_ref"]), float(pv["A_OBa"]) * oba, rtol=1e-9)


def test_inputs_are_exactly_inert_at_their_reference():
    p = M.defaults()
    reference = {
        **{c: level([0.0, 400.0], [float(p[f"{c}_ref"])] * 2) for c in cytokines.CYTOKINES},
        "pth_infusion": level([0.0], [0.0]), "teriparatide_ug_day": level([0.0, 30.0], [0.0, 0.0]),
        "teriparatide_ug": doses([10.0, 11.0], [0.0, 0.0]), "denosumab_mg": doses([5.0], [0.0]),
        "anti_tnf_mg": doses([100.0], [0.0]), "anti_il6_mg": doses([100.0], [0.0]),
    }
    q_ref, q = M.prepared(p, reference), M.prepared(p, {})
    y0 = M.initial_state(q, {})
    assert np.array_equal(np.asarray(M.initial_state(q_ref, reference)), np.asarray(y0))
    rng = np.random.default_rng(1)
    for _ in range(10):
        y = y0 * jnp.asarray(np.exp(rng.normal(0.0, 0.3, y0.shape)))
        t = float(rng.uniform(0.0, 1000.0))
        assert np.array_equal(np.asarray(M.vector_field(t, y, q_ref, reference)), np.asarray(M.vector_field(t, y, q, {})))
        assert np.array_equal(np.asarray(M.observe(t, y, y0, q_ref, reference)["ctx"]),
                              np.asarray(M.observe(t, y, y0, q, {})["ctx"]))


# ---------------------------------------------------------------------------- cytokine arms
def _baseline_signals(**changes):
    q = M.prepared(M.defaults(), {})
    y0 = M.initial_state(q, {})
    fac = baseline_factors(q)
    base = rankl_opg(y0[0], y0[1], 0.0, q, fac)
    changed = rankl_opg(y0[0], y0[1], 0.0, q, {**fac, **{k: v * fac[k] for k, v in changes.items()}})
    return base, changed


def test_doubling_rankl_expression_raises_free_rankl_in_proportion():
    base, doubled = _baseline_signals(rankl=2.0)
    assert float(doubled["RANKL"] / base["RANKL"]) >= 1.6
    # through a cytokine: a TNF-alpha level whose RANKL-arm factor is 2
    p = M.params(tnf_e_rankl=3.0)
    e, ec50, ref = (float(p[k]) for k in ("tnf_e_rankl", "tnf_ec50", "tnf_ref"))
    h = (2.0 * (1.0 + e * ref / (ref + ec50)) - 1.0) / e
    levels = {"tnf": jnp.asarray(h * ec50 / (1.0 - h)), "il1": p["il1_ref"], "il6": p["il6_ref"]}
    factor = float(cytokines.arm_factors(levels, p)["rankl"])
    assert abs(factor - 2.0) < 1e-12
    base, doubled = _baseline_signals(rankl=factor)
    assert float(doubled["RANKL"] / base["RANKL"]) >= 1.6


def test_published_core_saturates_where_the_new_core_does_not():
    """bone_inflammation multiplies only Pivonka's capacity: free RANKL x1.21 for a doubling."""
    pv = pivonka.PIVONKA_2008.defaults()
    cells = pivonka.steady_cells(pv)
    ratio = pivonka.signalling(*cells, pv, pivonka.Modifiers(rankl=2.0))["RANKL"] / pivonka.signalling(*cells, pv)["RANKL"]
    assert float(ratio) < 1.6


def test_opg_arm_moves_opg_and_free_rankl_in_proportion():
    base, halved = _baseline_signals(opg=0.5)
    assert float(halved["RANKL"] / base["RANKL"]) >= 1.6
    base, doubled = _baseline_signals(opg=2.0)
    assert float(doubled["OPG"] / base["OPG"]) >= 1.6
    assert float(base["RANKL"] / doubled["RANKL"]) >= 1.6


# ------------------------------------------------------------------------------- denosumab
def test_denosumab_decoy_is_hyperbolic_at_hill_one_and_an_emax_curve_otherwise():
    p = M.defaults()
    kA, csat = p["dmab_kA"], p["dmab_csat"]
    c = jnp.array([0.0, 1.0, float(csat), 1e3, 6e4])
    assert float(p["dmab_hill"]) == 1.0
    np.testing.assert_allclose(signals.denosumab_decoy(c, p), kA * c / (1.0 + c / csat), rtol=1e-14, atol=0.0)
    steep = {**p, "dmab_hill": jnp.asarray(3.0)}
    decoy = np.asarray(signals.denosumab_decoy(c, steep))
    assert decoy[0] == 0.0
    np.testing.assert_allclose(decoy[2], 0.5 * kA * csat, rtol=1e-12)        # half of the maximum at csat
    np.testing.assert_allclose(decoy[1], kA * csat * (1.0 / csat) ** 3 / (1.0 + (1.0 / csat) ** 3), rtol=1e-12)
    # derivatives in the exponent and the concentration stay finite with no drug, and equal central differences
    def at(h, conc):
        return signals.denosumab_decoy(conc, {**p, "dmab_hill": h})
    for conc in (0.0, 30.0, 300.0):
        g = jax.grad(at, argnums=(0, 1))(jnp.asarray(2.0), jnp.asarray(conc))
        assert all(np.isfinite(float(v)) for v in g)
        eps = 1e-6
        np.testing.assert_allclose(g[0], (at(2.0 + eps, conc) - at(2.0 - eps, conc)) / (2 * eps), rtol=1e-6, atol=1e-9)


def test_denosumab_suppresses_ctx_deeply_and_for_the_whole_interval(denosumab):
    ctx = denosumab["ctx_rel"]
    for day in (14, 28, 42, 56):  # weeks 2-8
        assert 0.10 <= ctx[day] <= 0.20, (day, ctx[day])
    assert ctx[180] <= 0.35  # just before the month-6 dose


def test_denosumab_discontinuation_rebound(denosumab):
    ctx = denosumab["ctx_rel"]
    after = DAYS > DMAB_DAYS[-1] + 30.0
    peak = int(np.argmax(np.where(after, ctx, -1.0)))
    months = (DAYS[peak] - DMAB_DAYS[-1]) / MONTH
    assert 1.3 <= ctx[peak] <= 2.0, ctx[peak]
    assert 6.0 <= months <= 18.0, months


def test_total_hip_bmd_returns_towards_baseline_after_stopping(denosumab):
    hip = denosumab["bmd_th_rel"]
    gain = hip[730] - 1.0
    assert gain > 0.02
    assert hip[1460] - 1.0 <= 0.25 * gain, (hip[730], hip[1460])  # >= 75 % of the gain lost 2 years after stopping


# ------------------------------------------------------------------ teriparatide, inflammation
def test_teriparatide_raises_p1np_and_hip_bmd(run):
    o = run(scenario(teri_ug_day=20.0))
    assert o["p1np_rel"][182] > 1.5 and o["p1np_rel"][365] > 1.5
    assert o["bmd_th_rel"][730] > 1.0


def test_constant_inflammation_keeps_hip_and_spine_falling_in_year_2(run):
    o = run(scenario(tnf=23.0, il6=30.0))
    for site in ("bmd_th_rel", "bmd_ls_rel"):
        y = [float(np.interp(365.25 * k, DAYS, o[site])) for k in range(3)]
        loss_y1, loss_y2 = y[0] - y[1], y[1] - y[2]
        assert loss_y1 > 0 and loss_y2 >= 0.5 * loss_y1, (site, loss_y1, loss_y2)
    assert o["ctx_rel"][730] > 1.0 and o["p1np_rel"][730] < 1.0


def test_teriparatide_pulse_matches_the_label():
    """20 ug SC: peak tens of pM about 20-30 min after the dose, gone within hours (Satterwhite 2010)."""
    p = M.defaults()
    pk = (p["teri_ka"], p["teri_ke"], p["teri_V"], p["teri_F"])
    tau = jnp.linspace(0.0, 1.0, 14401)
    c = np.asarray(teriparatide.periodic_concentration(tau, 20.0, *pk))
    assert 25.0 < c.max() < 60.0 and 10.0 < float(tau[np.argmax(c)]) * 1440.0 < 40.0
    assert c[int(6 * 600)] < 0.05 * c.max()  # 6 h later
    mean = float(teriparatide.daily_mean(lambda x: x, jnp.asarray(20.0), *pk))
    np.testing.assert_allclose(mean, float(np.trapezoid(c, tau)), rtol=1e-4)


def test_daily_signals_looked_up_per_level_equal_the_pulse_average():
    """The prepared per-level table gives the quadrature's daily means at every time (before the
    schedule, on each level); an infusion, which varies the PTH level, falls back to the quadrature."""
    p = M.defaults()
    inputs = {"teriparatide_ug_day": level([10.0, 200.0, 400.0], [20.0, 40.0, 0.0])}
    q = M.prepared(p, inputs)
    assert signals.DAILY_SIGNALS in q
    with_infusion = {**inputs, "pth_infusion": level([0.0], [0.0])}
    q_inf = M.prepared(p, with_infusion)
    assert signals.DAILY_SIGNALS not in q_inf
    for t in (0.0, 10.0, 150.0, 250.0, 500.0):
        looked_up = signals.pth_signals(jnp.asarray(t), q, inputs)
        integrated = signals.pth_signals(jnp.asarray(t), q_inf, with_infusion)
        np.testing.assert_allclose(np.asarray(looked_up), np.asarray(integrated), rtol=1e-13, err_msg=str(t))
    assert float(signals.pth_signals(jnp.asarray(250.0), q, inputs)[2]) > float(
        signals.pth_signals(jnp.asarray(150.0), q, inputs)[2]) > float(signals.pth_signals(jnp.asarray(0.0), q, inputs)[2])


# ------------------------------------------------------------------------------- gradients
def _central(f, p: dict, name: str, rel: float = 1e-5) -> float:
    v = float(p[name])
    h = rel * abs(v)
    step = {s: jnp.asarray(v + s * h, dtype=jnp.float64) for s in (1.0, -1.0)}
    return (float(f({**p, name: step[1.0]})) - float(f({**p, name: step[-1.0]}))) / (2 * h)


GRADIENT_PARAMETERS = ("dmab_kA", "phi", "tau", "K_D3", "e_surv", "tnf_e_rankl", "E_pth_obu", "K_ana", "k_th", "mu_new")


def test_gradient_of_the_prepared_vector_field_equals_finite_differences():
    """Root-find (steady state, pool rates), factors, teriparatide average and PK, differentiated."""
    inputs = {"denosumab_mg": doses([0.0], [60.0]), "tnf": level([0.0], [23.0]),
              "teriparatide_ug_day": level([0.0], [20.0])}
    state = jnp.asarray([1.1, 0.9, 1.3, 0.7, 0.0, 1.05, 1.0, 0.99, 1.0, 1.0, 1.01, 1.0])
    weights = jnp.linspace(1.0, 2.0, 12)

    def f(p):
        q = M.prepared(p, inputs)
        y = state * M.initial_state(q, {}).at[4].set(2e4)
        return jnp.sum(weights * M.vector_field(40.0, y, q, inputs) / jnp.where(y > 0, y, 1.0))

    p = M.defaults()
    grad = jax.jit(jax.grad(f))(p)
    fj = jax.jit(f)
    for name in GRADIENT_PARAMETERS:
        np.testing.assert_allclose(float(grad[name]), _central(fj, p, name), rtol=1e-4, err_msg=name)


@pytest.mark.slow
def test_gradient_of_observables_through_the_solve_equals_finite_differences():
    inputs = {"denosumab_mg": doses([0.0], [60.0]), "tnf": level([100.0], [23.0]),
              "teriparatide_ug_day": level([200.0, 300.0], [20.0, 0.0])}
    times = jnp.asarray([30.0, 150.0, 250.0, 400.0])
    tight = SolverConfig(solver="tsit5", rtol=1e-10, atol=1e-12)

    def loss(p):
        o = simulate(M, p, times, inputs, config=tight).observables
        return jnp.sum(jnp.log(o["ctx_rel"]) + jnp.log(o["p1np_rel"]) + 10.0 * jnp.log(o["bmd_th_rel"]))

    p = M.defaults()
    grad = jax.jit(jax.grad(loss))(p)
    lj = jax.jit(loss)
    for name in GRADIENT_PARAMETERS:
        np.testing.assert_allclose(float(grad[name]), _central(lj, p, name, rel=1e-4), rtol=1e-4, err_msg=name)
