"""The synthetic inflammation cohort: round trip, determinism, truth and design."""

from __future__ import annotations

import json

import numpy as np
import pytest

from remodel_fit.cli import main
from remodel_fit.data.build import read_dataset
from remodel_fit.data.synthetic import GROUPS, SyntheticSettings, make_cohort
from remodel_fit.registry import get_model

CONFIG = "seed: 11\nmodel: bone_inflammation\nsynthetic:\n  n_per_group: 3\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    config = root / "config.yaml"
    config.write_text(CONFIG)
    outs = []
    for name in ("a", "b"):
        assert main(["make-synthetic", "--config", str(config), "--outdir", str(root / name)]) == 0
        outs.append(root / name)
    return root, outs


def test_round_trip_identical_arrays(generated, tmp_path):
    root, (out, _) = generated
    cohort = make_cohort(get_model("bone_inflammation"), SyntheticSettings(n_per_group=3), 11)
    summary = tmp_path / "validated.json"
    assert main(["validate", "--measurements", str(out / "measurements.csv"), "--conditions",
                 str(out / "conditions.csv"), "--out", str(summary)]) == 0
    assert json.loads(summary.read_text())["subjects"] == 9
    read_back = read_dataset(out / "measurements.csv", out / "conditions.csv", get_model("bone_inflammation"))
    assert read_back.equals(cohort.dataset)
    assert set(read_back.inputs) == {"tnf", "il6", "anti_tnf_mg"}


def test_same_config_and_seed_byte_identical(generated):
    _, (a, b) = generated
    for name in ("measurements.csv", "conditions.csv", "truth.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_design_and_truth(generated):
    _, (out, _) = generated
    truth = json.loads((out / "truth.json").read_text())
    ds = read_dataset(out / "measurements.csv", out / "conditions.csv", get_model("bone_inflammation"))
    assert ds.n_subjects == 9 and sorted(set(ds.groups)) == sorted(GROUPS)
    np.testing.assert_array_equal(ds.times, [0, 30, 91, 182, 365, 547, 730])
    assert ds.observables == ("bmd_ls", "bmd_th", "ctx", "p1np", "rankl", "opg")
    assert truth["noise_cv"] == {"bmd_ls": 0.015, "bmd_th": 0.015, "ctx": 0.2, "p1np": 0.15, "opg": 0.2, "rankl": 0.2}
    assert set(truth["subjects"]) == set(ds.subjects)
    assert set(truth["random_effects_sd"]) == {"bmd_ls0", "bmd_th0", "ctx0", "p1np0", "opg0", "rankl0", "cytokines"}
    assert truth["population"]["tnf_ref"] == 5.0
    # the cytokine levels in the conditions table are the truth's per-subject inputs
    tnf = np.asarray(ds.inputs["tnf"].values[:, 0])
    assert tnf.tolist() == [truth["subjects"][s]["inputs"]["tnf"] for s in ds.subjects]
    # anti-TNF 40 mg every 14 days from day 182 to the end, treated group only
    amounts = np.asarray(ds.inputs["anti_tnf_mg"].amounts)
    times = np.asarray(ds.inputs["anti_tnf_mg"].times)
    treated = np.array([g == "inflamed_antitnf" for g in ds.groups])
    assert np.all(amounts[treated] == 40.0) and np.all(amounts[~treated] == 0.0)
    np.testing.assert_array_equal(times[treated][0], np.arange(182.0, 730.0, 14.0))


def test_inflammation_visible_in_cohort():
    """With many subjects the inflamed group loses spine BMD relative to healthy; anti-TNF protects."""
    settings = SyntheticSettings(n_per_group=12)
    cohort = make_cohort(get_model("bone_inflammation"), settings, 3)
    m = cohort.measurements
    bmd = m[m.observable == "bmd_ls"].pivot(index="subject", columns="time_days", values="value")
    change = np.log(bmd[730.0] / bmd[0.0])
    group = m.drop_duplicates("subject").set_index("subject").group
    median = change.groupby(group).median()
    assert median["inflamed"] < median["healthy"] - 0.01
    assert median["inflamed"] < median["inflamed_antitnf"]
    levels = cohort.conditions[cohort.conditions.input == "tnf"].groupby("group").value.median()
    assert 15 < levels["inflamed"] < 35 and 3 < levels["healthy"] < 8
