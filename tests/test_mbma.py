"""The meta-analysis design (arm records -> one subject per arm) and its likelihood: reference-time ratios,
annual rates, study-level random effects with covariates, and recovery of known effects from a synthetic
meta-analysis simulated from the model."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from remodel_fit.bone.mbma import arm_covariates, mbma_design, select_records, treatment_effect
from remodel_fit.bone.treatments import ArmSpec
from remodel_fit.errors import ConfigError
from remodel_fit.inference.fit_model import FitModel
from remodel_fit.inference.options import EffectDesign, FitOptions, NutsOptions, Prior
from remodel_fit.model.inputs import level
from remodel_fit.registry import get_model
from remodel_fit.solve.options import SolverConfig
from remodel_fit.solve.simulate import simulate

MODEL = get_model("bone_inflammation_v2")
SOLVER = SolverConfig(solver="tsit5", rtol=1e-6, atol=1e-9, max_steps=16384, sensitivity_tolerance=100)
RUN_IN = 365.0
STUDIES = tuple(f"s{i}" for i in range(6))
SEVERITY_SD = 0.3
TRUTH = {"il6_e_rankl": 0.25, "il6_e_ob": 0.15, "residual_activity": 0.25}
OBS = (("bmd_th_rel", 365.0, 0.006), ("ctx_rel", 182.0, 0.05), ("ctx_rel", 365.0, 0.05),
       ("osteocalcin_rel", 365.0, 0.05), ("il6_rel", 182.0, 0.08))


def _records() -> tuple[pd.DataFrame, list[ArmSpec]]:
    """Six studies of an untreated and an adalimumab arm: relative records at 6-12 months, baseline folds."""
    rows, specs = [], []
    for s in STUDIES:
        for arm, drug in (("untreated", "none"), ("adalimumab", "adalimumab")):
            specs.append(ArmSpec(s, arm, drug, "40 mg every 2 weeks" if drug != "none" else "", "ra", 365.0))
            base = {"study": s, "arm": arm, "drug": drug, "disease": "ra", "n": 50.0, "parent_arm": np.nan,
                    "population": "RA, active", "kind": "relative", "t_ref": 0.0, "value": 1.0}
            rows += [{**base, "observable": o, "time_days": t, "se": se} for o, t, se in OBS]
            if arm == "untreated":
                rows += [{**base, "observable": o, "kind": "fold_control", "time_days": 0.0, "t_ref": np.nan, "se": se}
                         for o, se in (("il6_fold", 0.3), ("ctx_fold", 0.06))]
    return pd.DataFrame(rows), specs


@pytest.fixture(scope="module")
def synthetic():
    """The design, a fit model with study-level severity and the synthetic data drawn from known values."""
    records, specs = _records()
    design = mbma_design(records, specs, MODEL, run_in_days=RUN_IN)
    options = FitOptions(
        name="mbma", model=MODEL.name, fixed={},
        free={"il6_e_rankl": Prior("lognormal", 0.15, 1.0), "il6_e_ob": Prior("lognormal", 0.1, 1.0),
              "residual_activity": Prior("lognormal", 0.4, 0.7)},
        random_effects={"infl_severity": 0.5}, effect_design={"infl_severity": EffectDesign(level="group")},
        noise={}, nuts=NutsOptions(chains=1, chain_method="sequential"), solver=SOLVER)
    fm = FitModel(MODEL, design.dataset, options)
    z = np.random.default_rng(18).standard_normal(len(STUDIES))
    z = (z - z.mean()) / z.std()                      # realised sd exactly SEVERITY_SD
    params = {**fm.base, **{k: jnp.asarray(v) for k, v in TRUTH.items()}}
    severity = jnp.exp(SEVERITY_SD * jnp.asarray(z)[fm.group_index])
    pred, failed = fm.predictions(params, {"infl_severity": severity})
    assert int(failed) == 0
    noise = np.random.default_rng(7).standard_normal(pred.shape) * design.dataset.sd / np.asarray(pred)
    y = jnp.asarray(np.asarray(pred) * np.exp(noise))
    return design, fm, y


def test_design_maps_records_to_arm_predictions():
    records, specs = _records()
    d = mbma_design(records, specs, MODEL, run_in_days=RUN_IN).dataset
    assert d.n_subjects == 12 and d.groups[:2] == ("s0", "s0")
    fold = (d.ref_time_index < 0)
    # folds: at the arm's day 0 (after the run-in) over the healthy start; relatives: over day 0
    assert np.all(d.times[d.time_index[fold]] == RUN_IN)
    assert np.all(d.times[d.ref_time_index[~fold]] == RUN_IN)
    assert sorted(set(d.times[d.time_index[~fold]] - RUN_IN)) == [182.0, 365.0]
    # the biologic arm is treated from its day 0 only; the untreated arm never
    treated = d.subject_inputs(1)["anti_inflammatory"]
    assert float(treated.at(jnp.asarray(RUN_IN - 1.0), 0.0)) == 0.0
    assert 0.8 < float(treated.at(jnp.asarray(RUN_IN + 200.0), 0.0)) < 1.0
    assert float(d.subject_inputs(0)["anti_inflammatory"].at(jnp.asarray(RUN_IN + 200.0), 0.0)) == 0.0


def test_annual_rate_and_ratio_predictions_match_a_direct_solve():
    """A relative record is y(T0 + t)/y(T0), an annual rate 1 + (y(t)/y(t_ref) - 1)/years: checked against a
    direct solve of the same arm."""
    records = pd.DataFrame([
        {"study": "a", "arm": "ra", "drug": "none", "disease": "ra", "n": 40.0, "parent_arm": np.nan,
         "population": "RA", "observable": "bmd_th_rel", "kind": kind, "time_days": t, "t_ref": tr, "value": 0.99,
         "se": 0.01}
        for kind, t, tr in (("relative", 365.0, 0.0), ("annual_rate", 1095.0, 365.0))])
    design = mbma_design(records, [ArmSpec("a", "ra", "none", "", "ra", 1095.0)], MODEL, run_in_days=RUN_IN)
    options = FitOptions(name="x", model=MODEL.name, free={}, fixed={}, random_effects={}, noise={}, solver=SOLVER)
    fm = FitModel(MODEL, design.dataset, options)
    pred, _ = fm.predictions(fm.base, {})
    ts = jnp.asarray([0.0, RUN_IN, RUN_IN + 365.0, RUN_IN + 1095.0])
    b = simulate(MODEL, fm.base, ts, {"inflammation": level([0.0], [1.0])}, config=SOLVER).observables["bmd_th_rel"]
    np.testing.assert_allclose(np.asarray(pred), [b[2] / b[1], 1 + (b[3] / b[2] - 1) / 2.0], rtol=5e-5)  # solver error over 4 years
    assert float(pred[0]) < 0.995                      # active RA loses hip BMD


def test_records_not_used_are_listed_with_a_reason():
    records, _ = _records()
    extra = records.iloc[:1].assign(arm="untreated_responders", parent_arm="untreated")
    absolute = records.iloc[:1].assign(observable="das28", kind="absolute")
    no_se = records.iloc[:1].assign(observable="ctx_rel", time_days=90.0, se=np.nan)
    used, unused = select_records(pd.concat([records, extra, absolute, no_se], ignore_index=True), MODEL)
    reasons = " | ".join(unused["reason"])
    assert "parent arm" in reasons and "disease-activity level" in reasons and "no standard error" in reasons
    assert len(used) + len(unused) == len(records) + 3


def test_arm_covariates_and_treatment_effect():
    assert arm_covariates("v", "infliximab_non_good_responders", "ra", "RA")["responder"] == -1.0
    assert arm_covariates("v", "infliximab_EULAR_good_responders", "ra", "RA")["responder"] == 1.0
    assert arm_covariates("c", "x", "ra", "RA; 77% oral glucocorticoids")["glucocorticoid"] == pytest.approx(0.77)
    assert arm_covariates("w", "adalimumab_with_prednisone", "axspa", "AS")["axspa"] == 1.0
    starts, levels = treatment_effect(ArmSpec("s", "a", "infliximab", "3 mg/kg", "ra", 365.0), 365.0)
    assert starts[0] == 0.0 and np.all((levels > 0) & (levels < 1))
    assert treatment_effect(ArmSpec("s", "p", "placebo", "", "ra", 365.0), 365.0)[1].size == 0


def test_group_effects_share_one_value_per_study_and_take_covariates(synthetic):
    from numpyro.handlers import seed, trace

    design, fm, y = synthetic
    tr = trace(seed(fm, jax.random.PRNGKey(0))).get_trace(y=y)
    assert tr["infl_severity_z"]["value"].shape == (len(STUDIES),)
    subject = np.asarray(tr["infl_severity_subject"]["value"])
    assert np.allclose(subject[0::2], subject[1::2])   # a study's two arms share the effect
    with pytest.raises(ConfigError, match="covariate 'dose' of random effect 'infl_severity'"):
        FitModel(MODEL, design.dataset, _with_design(fm.options, EffectDesign(level="group", covariates={"dose": 1.0})))


def _with_design(options, design):
    import dataclasses

    return dataclasses.replace(options, effect_design={"infl_severity": design})


def test_inflammation_is_inert_at_zero_activity_and_lowers_bmd():
    ts = jnp.asarray([0.0, 365.0, 730.0])
    p = MODEL.params({})
    healthy = simulate(MODEL, p, ts, {}, config=SOLVER).observables
    zero = simulate(MODEL, p, ts, {"inflammation": level([0.0], [0.0])}, config=SOLVER).observables
    for o in ("bmd_th_rel", "ctx_rel", "il6_rel", "osteocalcin_rel"):
        np.testing.assert_array_equal(np.asarray(healthy[o]), np.asarray(zero[o]))
    ra = simulate(MODEL, p, ts, {"inflammation": level([0.0], [1.0])}, config=SOLVER).observables
    assert float(ra["il6_rel"][1]) == pytest.approx(p["il6_fold"])
    assert float(ra["ctx_rel"][2]) > 1.02 and float(ra["bmd_th_rel"][2]) < float(healthy["bmd_th_rel"][2])


def _recovery(fm, y, warmup: int, draws: int):
    """90 % posterior intervals of NUTS on the synthetic meta-analysis: (name -> (low, high))."""
    import dataclasses

    from remodel_fit.inference import fit

    nuts = NutsOptions(chains=1, chain_method="sequential", warmup=warmup, draws=draws, target_accept=0.9,
                       max_tree_depth=6, predictive_draws=20)
    data = dataclasses.replace(fm.data, values=np.asarray(y))
    idata = fit(MODEL, data, dataclasses.replace(fm.options, nuts=nuts))
    post = idata.posterior
    intervals = {k: tuple(float(q) for q in post[k].quantile([0.05, 0.95]).values) for k in (*TRUTH, "infl_severity_sd")}
    print("90 % intervals:", intervals, "divergences:", int(idata.sample_stats["diverging"].sum()))
    assert int(idata.sample_stats["diverging"].sum()) == 0
    return intervals


@pytest.mark.slow
def test_synthetic_meta_analysis_recovers_effects_and_heterogeneity(synthetic):
    """NUTS on a synthetic meta-analysis simulated from known values (six studies, study-level severity sd 0.3):
    every true effect and the heterogeneity inside its 90 % posterior interval."""
    _, fm, y = synthetic
    intervals = _recovery(fm, y, warmup=300, draws=400)
    for name, truth in {**TRUTH, "infl_severity_sd": SEVERITY_SD}.items():
        low, high = intervals[name]
        assert low < truth < high, (name, low, high, truth)


def test_pathway_attribution_gives_an_arm_acting_alone_its_whole_share():
    """With only IL-6's RANKL arm on, that arm alone carries all of the excess loss and the others none."""
    from remodel_fit.bone.cytokines import ARMS, CYTOKINES
    from remodel_fit.bone.pathways import pathway_attribution, pathway_paragraph
    from remodel_fit.solve.scenarios import Scenario

    base = {f"{c}_e_{a}": 0.0 for c in CYTOKINES for a in ARMS}
    draws = {"il6_e_rankl": np.array([0.3, 0.5, 0.8])}
    scenario = Scenario(description="active RA", levels={"inflammation": [[0.0, 1.0]]})
    t = pathway_attribution(MODEL, base, draws, scenario, [1.0, 2.0], ["bmd_th_rel"], SOLVER).set_index(["years", "pathway"])
    assert t.loc[(2.0, "all"), "loss_pct_q50"] > 0.2
    assert t.loc[(2.0, "all"), "loss_pct_q50"] > t.loc[(1.0, "all"), "loss_pct_q50"]
    np.testing.assert_allclose(t.loc[(2.0, "rankl"), ["share_q05", "share_q95"]], 1.0, atol=1e-9)
    for arm in ("opg", "ob", "ocp"):
        np.testing.assert_allclose(t.loc[(2.0, arm), ["share_q05", "share_q95"]], 0.0, atol=1e-9)
    assert "rankl: 100%" in pathway_paragraph(t.reset_index(), "bmd_th_rel", 2.0, "active RA")
