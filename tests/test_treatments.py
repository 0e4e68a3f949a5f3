"""Anti-cytokine treatments: schedules -> dose events (remodel_fit.bone.treatments) and serum
concentrations (remodel_fit.model.drugs) against published exposures."""

from __future__ import annotations

import math
from dataclasses import replace

import jax
import numpy as np
import pytest

from remodel_fit.bone import treatments as tr
from remodel_fit.data.arm_rows import parse_rows
from remodel_fit.errors import ModelError
from remodel_fit.model import drugs
from test_arms import REAL, real


def conc(pk, d, t):
    return np.asarray(drugs.concentration(pk, d, np.atleast_1d(np.asarray(t, dtype=float))))


# ----------------------------------------------------------------------------------- schedules

def test_fixed_sc_dose_and_interval_are_read():
    arm = tr.regimen_for("adalimumab", "40 mg s.c. every 2 weeks + stable MTX")
    (c,) = arm.components
    assert c == tr.Component(1.0, tr.Regimen("adalimumab", 40.0, False, "sc", 14.0)) and arm.printed
    assert arm.assumptions == ()


def test_induction_weeks_and_an_interval_range():
    arm = tr.regimen_for("infliximab", "3.5 mg/kg IV at weeks 0, 2, 6 then every 6-8 weeks")
    (c,) = arm.components
    assert (c.regimen.amount, c.regimen.per_kg, c.regimen.route) == (3.5, True, "iv")
    assert (c.regimen.loading_weeks, c.regimen.interval_days) == ((0.0, 2.0, 6.0), 49.0)
    assert any("6-8 weeks" in a for a in arm.assumptions)


def test_dose_alternatives_and_a_placebo_share_become_a_mixture():
    arm = tr.regimen_for("tocilizumab", "4 or 8 mg/kg IV every 4 weeks + MTX (placebo arm included in n=299)")
    assert [(round(c.weight, 6), c.regimen and c.regimen.amount) for c in arm.components] == [
        (round(1 / 3, 6), 4.0), (round(1 / 3, 6), 8.0), (round(1 / 3, 6), None)]


def test_mixed_tnf_inhibitor_arm_is_weighted_by_the_printed_n():
    text = ("infliximab 3 or 5 mg/kg IV wk 0,2,6 then q6-8w (n=41), etanercept 25 mg twice weekly or 50 mg weekly "
            "(n=13), or adalimumab 40 mg every other week (n=6)")
    arm = tr.regimen_for("tnfi_mixed", text, disease_name="axspa")
    shares: dict[str, float] = {}
    for c in arm.components:
        shares[c.regimen.drug] = shares.get(c.regimen.drug, 0.0) + c.weight
    assert shares == pytest.approx({"infliximab": 41 / 60, "etanercept": 13 / 60, "adalimumab": 6 / 60})
    eta = {c.regimen.interval_days: c.regimen.amount for c in arm.components if c.regimen.drug == "etanercept"}
    assert eta == {3.5: 25.0, 7.0: 50.0}


def test_missing_dose_falls_back_to_the_disease_label_and_says_so():
    ra = tr.regimen_for("infliximab", "infliximab (dose not given in retrieved text)")
    axspa = tr.regimen_for("infliximab", "(dose not in retrieved text)", disease_name="axspa")
    crohn = tr.regimen_for("infliximab", "induction at weeks 0, 2, 6 (dose not in retrieved abstract)", disease_name="crohn")
    assert ra.components[0].regimen == tr.LABEL[("infliximab", "ra")] and not ra.printed
    assert axspa.components[0].regimen.interval_days == 42.0
    assert crohn.components[0].regimen.amount == 5.0
    assert all("label" in a.assumptions[0] for a in (ra, axspa, crohn))


def test_escalation_mentions_are_ignored_and_reported():
    arm = tr.regimen_for("infliximab", "5 mg/kg IV every 6 weeks (weeks 0,2,6 then q6w) through week 96; "
                                       "escalation to 7.5 mg/kg allowed from week 36")
    (c,) = arm.components
    assert (c.regimen.amount, c.regimen.interval_days) == (5.0, 42.0)
    assert "7.5 mg/kg" in arm.assumptions[0]


def test_no_biologic_arms_have_no_doses():
    for drug in ("placebo", "mtx", "none", "mixed"):
        assert tr.regimen_for(drug, "anything").components == ()
    with pytest.raises(ModelError, match="no schedule rules for drug 'aspirin'"):
        tr.regimen_for("aspirin", "")


def test_dose_events_over_the_study_span():
    d = tr.doses(tr.LABEL[("infliximab", "ra")], 168.0, weight_kg=80.0)
    assert d.times.tolist() == [0, 14, 42, 98, 154] and d.amounts.tolist() == [240.0] * 5 and not d.sc.any()
    assert tr.doses(tr.LABEL[("adalimumab", "ra")], 28.0).times.tolist() == [0, 14, 28]


@real
def test_every_real_arm_gets_a_regimen():
    table = tr.schedule_table(tr.arm_specs(parse_rows(REAL)))
    biologic = [t for t in table if t["drug"] in (*tr.BIOLOGICS, "tnfi_mixed")]
    assert biologic and all(t["n_doses"] > 0 or t["regimen"] == "no biologic" for t in biologic)
    for study in {t["study"] for t in biologic}:
        for arm in {t["arm"] for t in biologic if t["study"] == study}:
            assert sum(t["share"] for t in biologic if t["arm"] == arm and t["study"] == study) == pytest.approx(1.0)


# -------------------------------------------------------------------------------- concentration

def test_one_compartment_bolus_and_bateman_closed_forms():
    pk = drugs.DrugPK("x", cl=0.5, v1=5.0, ka=0.3, f=0.6)
    k = 0.1
    t = np.array([0.0, 3.0, 10.0])
    iv = drugs.Doses(np.array([0.0]), np.array([100.0]), np.array([False]))
    sc = drugs.Doses(np.array([0.0]), np.array([100.0]), np.array([True]))
    assert conc(pk, iv, t) == pytest.approx(100 / 5 * np.exp(-k * t))
    assert conc(pk, sc, t) == pytest.approx(0.6 * 100 * 0.3 / (5 * (0.3 - k)) * (np.exp(-k * t) - np.exp(-0.3 * t)))
    assert tr.PK["adalimumab"].half_life() == pytest.approx(math.log(2) * 10.8 / 0.32)


def test_superposition_and_nothing_before_the_first_dose():
    pk = tr.PK["infliximab"]
    one = drugs.Doses(np.array([10.0]), np.array([210.0]), np.array([False]))
    two = drugs.Doses(np.array([10.0, 24.0]), np.array([210.0, 210.0]), np.array([False, False]))
    later = drugs.Doses(np.array([24.0]), np.array([210.0]), np.array([False]))
    t = np.linspace(0, 80, 81)
    assert conc(pk, two, t) == pytest.approx(conc(pk, one, t) + conc(pk, later, t))
    assert conc(pk, one, [9.99])[0] == 0.0


def test_rk4_matches_the_closed_form_when_elimination_is_linear():
    pk = replace(tr.PK["tocilizumab"], vmax=0.0)
    d = drugs.Doses(np.array([0.0, 10.0, 20.0]), np.array([560.0, 162.0, 162.0]), np.array([False, True, True]))
    t = np.linspace(0, 60, 241)
    closed = np.asarray(drugs.linear_concentration(pk, d, jax.numpy.asarray(t)))
    numeric = np.asarray(drugs.nonlinear_concentration(pk, d, jax.numpy.asarray(t), 24))
    assert numeric == pytest.approx(closed, rel=1e-4, abs=1e-6)


def test_steady_state_average_is_f_dose_over_cl_tau():
    pk = tr.PK["adalimumab"]
    d = tr.doses(tr.LABEL[("adalimumab", "ra")], 728.0)
    t = np.linspace(700, 714, 2801)
    average = np.trapezoid(conc(pk, d, t), t) / 14
    assert average == pytest.approx(pk.f * 40 / (pk.cl * 14), rel=1e-3)
    assert 8.0 < average < 9.5  # label: 8-9 ug/mL with MTX


def test_tocilizumab_reproduces_the_label_and_abdallah_2017():
    pk = tr.PK["tocilizumab"]
    levels = {}
    for mgkg in (4.0, 8.0):
        d = tr.doses(tr.Regimen("tocilizumab", mgkg, True, "iv", 28.0), 308.0)
        c = conc(pk, d, np.linspace(280, 308 - 1e-6, 1121))
        levels[mgkg] = (c.max(), c[-1])
    assert levels[8.0][0] == pytest.approx(183, rel=0.15)  # label: steady-state Cmax 183 ug/mL
    assert levels[4.0][0] == pytest.approx(88.3, rel=0.15)
    assert levels[8.0][1] == pytest.approx(9.74, rel=0.25)  # label Cmin; nonlinear: >> 2x the 4 mg/kg trough
    assert levels[8.0][1] / levels[4.0][1] > 5
    for interval, observed in ((7.0, 40.0), (14.0, 7.4)):  # SC 162 mg: week-24 predose (Abdallah 2017)
        d = tr.doses(tr.Regimen("tocilizumab", 162.0, False, "sc", interval), 168.0)
        assert conc(pk, d, [168 - 1e-6])[0] == pytest.approx(observed, rel=0.2)


def test_published_half_lives():
    assert tr.PK["infliximab"].half_life() == pytest.approx(14, abs=2)  # Fasanmade 2009: ~14 d
    assert tr.PK["tocilizumab"].half_life() == pytest.approx(21, abs=3)  # Frey 2010: ~21 d (linear)
    assert tr.PK["etanercept"].half_life() == pytest.approx(95.4 / 24, rel=1e-6)


def test_concentration_is_differentiable_in_the_pk_parameters():
    d = tr.doses(tr.LABEL[("tocilizumab", "ra")], 56.0)

    def trough(cl):
        return drugs.concentration(replace(tr.PK["tocilizumab"], cl=cl), d, np.array([27.0]))[0]

    grad = jax.grad(trough)(0.25)
    assert np.isfinite(grad) and grad < 0


def test_subcutaneous_dose_of_an_iv_only_drug_is_refused():
    with pytest.raises(ModelError, match="no SC absorption"):
        drugs.concentration(tr.PK["infliximab"], drugs.Doses(np.array([0.0]), np.array([100.0]), np.array([True])), [1.0])


def test_unit_conversion_to_nanomolar():
    assert drugs.nanomolar(tr.PK["adalimumab"], 1.0) == pytest.approx(1e3 / 148.0)


def test_etanercept_twice_weekly_trough_matches_the_as_popPK():
    """25 mg twice weekly: steady-state trough 2.0 ug/mL (Int J Clin Pharmacol Ther 2004;42:267)."""
    pk = tr.PK["etanercept"]
    d = tr.doses(tr.Regimen("etanercept", 25.0, False, "sc", 3.5), 168.0)
    t = np.linspace(164.5, 168.0 - 1e-6, 701)
    c = conc(pk, d, t)
    assert c[-1] == pytest.approx(2.0, rel=0.2)
    assert np.trapezoid(c, t) / 3.5 == pytest.approx(pk.f * 25 / (pk.cl * 3.5), rel=2e-3)


def test_infliximab_ra_label_regimen_troughs_and_the_axspa_model_is_used_for_axspa():
    """3 mg/kg q8w: steady-state trough ~1.4 mg/L, the median trough of 147 RA patients on infliximab in
    routine care (BMC Musculoskelet Disord 2012;13:184: median 1.4 mg/L, IQR 3.35; doses and intervals vary)."""
    d = tr.doses(tr.LABEL[("infliximab", "ra")], 400.0)
    week14, week22, week54 = conc(tr.PK["infliximab"], d, [98 - 1e-6, 154 - 1e-6, 378 - 1e-6])
    assert week22 < week14 < 5.0  # ug/mL, troughs before the 4th and 5th doses
    assert week54 == pytest.approx(1.4, rel=0.3)
    assert tr.pk_for("infliximab", "axspa") is tr.PK["infliximab_axspa"]
    assert tr.pk_for("infliximab", "ra") is tr.PK["infliximab"]
    with pytest.raises(ModelError, match="no PK for drug 'aspirin'"):
        tr.pk_for("aspirin")


@pytest.mark.parametrize("drug, route", [("infliximab", "iv"), ("adalimumab", "sc")])
def test_linear_concentration_has_finite_gradients_over_years(drug, route):
    pk = tr.PK[drug]
    regimen = tr.LABEL[(drug, "ra")]
    d = tr.doses(regimen, 1461.0)

    def level(cl):
        return drugs.concentration(replace(pk, cl=cl), d, np.array([1460.0]))[0]

    grad = jax.grad(level)(pk.cl)
    assert np.isfinite(grad) and grad < 0


@real
def test_real_arm_regimens_follow_the_printed_schedules():
    table = tr.schedule_table(tr.arm_specs(parse_rows(REAL)))
    radiate = [t for t in table if t["study"] == "radiate2012"]
    assert sorted(round(t["share"], 4) for t in radiate) == [0.3333] * 3
    assert {t["regimen"] for t in radiate} >= {"no biologic"}
    pedersen = [t for t in table if t["study"] == "pedersen2011" and t["drug"] == "tnfi_mixed"]
    arm = pedersen[0]["arm"]
    shares: dict[str, float] = {}
    for t in (t for t in pedersen if t["arm"] == arm):
        shares[t["regimen"].split()[0]] = shares.get(t["regimen"].split()[0], 0.0) + t["share"]
    assert shares == pytest.approx({"infliximab": 41 / 60, "etanercept": 13 / 60, "adalimumab": 6 / 60})


def test_tocilizumab_sc_week12_troughs_are_at_the_high_end_of_a_second_study():
    """162 mg SC for 12 weeks in RA on MTX (Int J Clin Pharmacol Ther 2013;51:620, n = 29): Cmin 27.9 +/- 14.7
    (weekly) and 2.3 +/- 3.2 ug/mL (every 2 weeks). The unretrieved SC ka/F put both within 1.5 SD, above the mean."""
    pk = tr.PK["tocilizumab"]
    for interval, (mean, sd) in ((7.0, (27.9, 14.7)), (14.0, (2.3, 3.2))):
        d = tr.doses(tr.Regimen("tocilizumab", 162.0, False, "sc", interval), 84.0 - interval)
        trough = conc(pk, d, [84.0 - 1e-6])[0]
        assert mean < trough < mean + 1.5 * sd
