"""PSIS-LOO comparison of fits by subject and by measurement, on hand-built InferenceData."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest

from remodel_fit import cli
from remodel_fit.errors import DataError
from remodel_fit.inference.compare import compare_all_units, compare_fits

N_SUBJECTS, PER_SUBJECT = 6, 4
OBSERVED = np.linspace(1.0, 2.0, N_SUBJECTS * PER_SUBJECT)


def fake_fit(mean_log_lik: float, *, seed: int, subject_var: bool = True, observed=OBSERVED) -> "xarray.DataTree":
    """Two chains x 200 draws of a pointwise log-likelihood around ``mean_log_lik``; the subject
    variable is the sum over each subject's measurements (as for a fit without random effects)."""
    rng = np.random.default_rng(seed)
    pointwise = mean_log_lik + rng.normal(0.0, 0.05, (2, 200, observed.size))
    log_lik = {"y": pointwise}
    if subject_var:
        log_lik["y_subject"] = pointwise.reshape(2, 200, N_SUBJECTS, PER_SUBJECT).sum(-1)
    return az.from_dict(
        {"posterior": {"theta": rng.normal(size=(2, 200))}, "log_likelihood": log_lik, "observed_data": {"y": observed}},
        dims={"y": ["measurement"], "y_subject": ["subject"]},
    )


def test_both_units_rank_the_better_fit_first():
    fits = {"worse": fake_fit(-1.0, seed=1), "better": fake_fit(-0.5, seed=2)}
    table = compare_all_units(fits)
    assert list(table["unit"].unique()) == ["subject", "measurement"]
    for unit, points in (("subject", N_SUBJECTS), ("measurement", N_SUBJECTS * PER_SUBJECT)):
        part = table[table["unit"] == unit]
        assert part["model"].iloc[0] == "better"
        assert set(part["n_points"]) == {points}
        # elpd difference: 0.5 nats a measurement, so 0.5 x measurements, whichever the unit
        np.testing.assert_allclose(part["elpd_diff"].iloc[1], 0.5 * N_SUBJECTS * PER_SUBJECT, rtol=0.05)


def test_compare_refuses_other_data_and_missing_subject_likelihood():
    with pytest.raises(DataError, match="other data"):
        compare_fits({"a": fake_fit(-1.0, seed=1), "b": fake_fit(-1.0, seed=2, observed=OBSERVED + 1.0)})
    with pytest.raises(DataError, match="fit 'old' has no subject-level log-likelihood"):
        compare_fits({"a": fake_fit(-1.0, seed=1), "old": fake_fit(-1.0, seed=2, subject_var=False)})
    assert compare_fits({"a": fake_fit(-1.0, seed=1), "old": fake_fit(-1.0, seed=2, subject_var=False)},
                        unit="measurement").shape[0] == 2


def test_compare_verb_writes_the_table_and_figure(tmp_path):
    paths = []
    for name, mean in (("rankl", -1.0), ("rankl_opg", -0.8)):
        fit = fake_fit(mean, seed=len(paths))
        fit.posterior.attrs["fit_name"] = name
        paths.append(tmp_path / f"{name}.nc")
        fit.to_netcdf(str(paths[-1]))
    assert cli.main(["compare", "--idata", *map(str, paths), "--outdir", str(tmp_path / "out")]) == 0
    table = pd.read_csv(tmp_path / "out/loo_compare.csv")
    assert table.groupby("unit")["model"].first().to_dict() == {"measurement": "rankl_opg", "subject": "rankl_opg"}
    assert (tmp_path / "out/loo_compare.png").stat().st_size > 0
