"""Clinical-trial arms -> tidy tables (needs ../shared/data/clinical; skipped when absent)."""

from __future__ import annotations

import numpy as np
import pytest

from remodel_fit.cli import main
from remodel_fit.data.build import build_dataset, read_dataset
from remodel_fit.data.clinical import arm_name, read_clinical_arm, read_clinical_arms
from remodel_fit.data.validate import validate_conditions, validate_measurements
from remodel_fit.errors import DataError
from remodel_fit.registry import get_model

pytestmark = pytest.mark.clinical
MODEL = get_model("bone_inflammation")


def test_mcclung_ctx_suppressed_at_first_post_dose_visits(clinical_path):
    meas, cond = read_clinical_arms(clinical_path, "looker1998_and_mcclung2006_*")
    assert meas.subject.nunique() == 7 and (meas.subject == meas.group).all()
    ctx = meas[meas.observable == "ctx_rel"]
    doses = cond[cond.input == "denosumab_mg"]
    for arm in ("mcclung2006_denosumab_60_q6m", "mcclung2006_denosumab_100_q6m", "mcclung2006_denosumab_210_q6m"):
        first_dose = doses[doses.subject == arm].time_days.min()
        second_dose = doses[doses.subject == arm].time_days.iloc[1]
        assert first_dose == 0.0 and second_dose > 150
        # the baseline normalisation point (1 by construction) is not a measurement
        assert not ((ctx.subject == arm) & (ctx.time_days == 0)).any()
        # the visits of the first three months after the first dose, relative to baseline
        early = ctx[(ctx.subject == arm) & (ctx.time_days <= 91)]
        assert len(early) >= 3
        assert np.all((early.value > 0.1) & (early.value < 0.3)), early


def test_several_patterns_add_bone2011_with_its_offset_rebound(clinical_path, tmp_path):
    patterns = ["looker1998_and_mcclung2006_*", "looker1998_and_bone2011_denosumab", "looker1998_and_mcclung2006_*60*"]
    meas, cond = read_clinical_arms(clinical_path, patterns)
    assert meas.subject.nunique() == 8  # overlapping globs read each file once
    arm = meas[meas.subject == "bone2011_denosumab"]
    doses = cond[cond.subject == "bone2011_denosumab"].time_days.tolist()
    assert doses == [0.0, 180.0, 360.0, 540.0]  # 60 mg q6m for two years, then stopped
    ctx = arm[arm.observable == "ctx_rel"].set_index("time_days").value
    assert ctx[365.0] < 0.4 and ctx[912.0] > 1.3  # suppressed on treatment, above baseline after stopping
    with pytest.raises(DataError, match="no arm file matches 'nothing_like_this.csv'"):
        read_clinical_arms(clinical_path, ["looker1998_and_mcclung2006_*", "nothing_like_this"])
    out = tmp_path / "two"
    assert main(["read-clinical", "--clinical-dir", str(clinical_path), "--pattern", *patterns[:2],
                 "--outdir", str(out)]) == 0
    assert read_dataset(out / "measurements.csv", out / "conditions.csv", MODEL).n_subjects == 8


def test_arm_tables_are_tidy(clinical_path):
    meas, cond = read_clinical_arm(clinical_path / "looker1998_and_mcclung2006_denosumab_60_q6m.csv")
    assert set(meas.observable) == {"bmd_th_rel", "ctx_rel", "bsap_rel"}
    assert (meas.time_days >= 0).all() and (meas.unit == "1").all()
    bmd = meas[meas.observable == "bmd_th_rel"]
    assert (meas.time_days > 0).all()  # the baseline normalisation rows (1, zero-width bar) are dropped
    assert bmd.sd.notna().all()  # so every BMD row has its published bar: no collapsing noise sd
    row = bmd[bmd.time_days == 30.0]  # 23025 - 22995 days
    np.testing.assert_allclose(row.value.item(), 0.8716763396019266 / 0.861151832460733)
    np.testing.assert_allclose(row.sd.item(), (0.8741985600134031 - 0.8691541191904503) / 2 / 0.861151832460733)
    assert cond.input.tolist() == ["denosumab_mg", "denosumab_mg"]
    assert cond.time_days.tolist() == [0.0, 180.0] and cond.value.tolist() == [60.0, 60.0]
    ds = build_dataset(validate_measurements(meas, MODEL), validate_conditions(cond, MODEL, meas), MODEL)
    assert ds.subjects == ("mcclung2006_denosumab_60_q6m",)


def test_unsupported_drugs_kept_or_filtered(clinical_path):
    path = clinical_path / "looker1998_and_mcclung2018_romosozumab_to_denosumab.csv"
    _, cond = read_clinical_arm(path)
    assert {"romosozumab_mg", "denosumab_mg"} <= set(cond.input)
    meas, only = read_clinical_arm(path, drugs=["denosumab"])
    assert set(only.input) == {"denosumab_mg"}
    with pytest.raises(DataError, match="unknown input 'romosozumab_mg' .a drug this model has no input for"):
        validate_conditions(cond, MODEL, validate_measurements(meas, MODEL))


def test_placebo_to_denosumab_starts_at_trial_baseline(clinical_path):
    meas, cond = read_clinical_arm(clinical_path / "looker1998_and_mcclung2018_placebo_to_denosumab.csv")
    assert meas.time_days.min() == 0.0 and cond.time_days.min() > 0  # first dose after the placebo year(s)
    assert arm_name("looker1998_and_bone2011_placebo.csv") == "bone2011_placebo"


def test_read_clinical_cli_round_trip(clinical_path, tmp_path, capsys):
    out = tmp_path / "clinical"
    assert main(["read-clinical", "--clinical-dir", str(clinical_path), "--pattern", "looker1998_and_*",
                 "--outdir", str(out)]) == 0
    assert "35 arms" in capsys.readouterr().out
    ds = read_dataset(out / "measurements.csv", out / "conditions.csv", MODEL)
    assert ds.n_subjects == 35 and list(ds.inputs) == ["denosumab_mg"]
    assert set(ds.observables) == {"bmd_th_rel", "ctx_rel", "p1np_rel", "bsap_rel"}


def test_missing_directory_is_a_clear_error(tmp_path, capsys):
    assert main(["read-clinical", "--clinical-dir", str(tmp_path / "nope"), "--outdir", str(tmp_path / "o")]) == 2
    assert "clinical directory not found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_daily_teriparatide_of_the_companion_becomes_a_level_input(clinical_path):
    """Leder 2014 combination: 20 ug/day teriparatide for 2 years (continuous_dosing_* companion),
    in days from the trial baseline, next to the denosumab doses; the v2 core takes both."""
    v2 = get_model("bone_inflammation_v2")
    path = clinical_path / "looker1998_and_leder2014_combination.csv"
    meas, cond = read_clinical_arm(path, drugs=["denosumab", "teriparatide"])
    teri = cond[cond.input == "teriparatide_ug_day"]
    assert teri.time_days.tolist() == [0.0, 730.0] and teri.value.tolist() == [20.0, 0.0]
    assert (cond.input == "denosumab_mg").sum() == 4
    ds = build_dataset(validate_measurements(meas, v2), validate_conditions(cond, v2, meas), v2)
    assert set(ds.inputs) == {"teriparatide_ug_day", "denosumab_mg"}
    _, denosumab_only = read_clinical_arm(path, drugs=["denosumab"])
    assert set(denosumab_only.input) == {"denosumab_mg"}
