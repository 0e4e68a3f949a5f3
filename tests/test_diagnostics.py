"""Diagnostics, recovery scoring, fit figures and the ``diagnose`` verb on hand-built InferenceData.

Every InferenceData follows the idata contract (posterior/prior, observed_data with
subject/group/time/observable coords on ``measurement``, predictive groups, sample_stats
with ``failed_solves``); no sampling is needed.
"""

from __future__ import annotations

import json

import arviz as az
import matplotlib
import numpy as np
import pytest
import xarray as xr

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from remodel_fit import cli
from remodel_fit.inference import diagnostics  # noqa: E402
from remodel_fit.errors import DataError  # noqa: E402
from remodel_fit.plots import fit as fit_plots
from remodel_fit.report import tables  # noqa: E402

SUBJECTS = ["h1", "h2", "i1", "i2"]
GROUPS = ["healthy", "healthy", "inflamed", "inflamed"]
TIMES = [0.0, 30.0, 90.0]
OBSERVABLES = ["ctx_rel", "bmd_ls"]
SCALARS = {"k_out": 9.5e-3, "tnf_ec50": 20.0, "tnf_e_rankl": 2.0, "il6_e_ob": 0.5, "sigma_ctx_rel": 0.2}


def measurements():
    """Every subject x time x observable: 4 x 3 x 2 = 24 rows."""
    rows = [(s, g, t, o) for s, g in zip(SUBJECTS, GROUPS) for t in TIMES for o in OBSERVABLES]
    return [np.array(col) for col in zip(*rows)]


def make_idata(draws: dict, *, chains: int = 4, n: int = 500, seed: int = 0, diverging=None, failed=None):
    """Contract InferenceData from posterior draw arrays (chain, draw[, subject])."""
    rng = np.random.default_rng(seed)
    subj, grp, time, obs = measurements()
    level = np.where(obs == "bmd_ls", 1.0, 1.0 + (grp == "inflamed") * time / 90.0)
    observed = level * np.exp(rng.normal(0.0, 0.05, level.size))
    pp = level * np.exp(rng.normal(0.0, 0.1, (chains, n, level.size)))
    prior = {k: v * np.exp(rng.normal(0.0, 0.5, (1, n))) for k, v in SCALARS.items()}
    prior["k_out_subject"] = SCALARS["k_out"] * np.exp(rng.normal(0.0, 0.5, (1, n, len(SUBJECTS))))
    stats = {
        "diverging": np.zeros((chains, n), bool) if diverging is None else diverging,
        "failed_solves": np.zeros((chains, n), np.int64) if failed is None else failed,
        "energy": rng.normal(0.0, 1.0, (chains, n)),
        "tree_depth": np.full((chains, n), 3),
    }
    idata = az.from_dict(
        {
            "posterior": draws,
            "prior": prior,
            "sample_stats": stats,
            "posterior_predictive": {"y": pp},
            "prior_predictive": {"y": level * np.exp(rng.normal(0.0, 0.4, (1, n, level.size)))},
            "log_likelihood": {"y": rng.normal(-1.0, 0.1, (chains, n, level.size))},
            "observed_data": {"y": observed},
            "constant_data": {"time_grid": np.array(TIMES), "subject_group": np.array(GROUPS)},
        },
        coords={"subject": SUBJECTS, "time": TIMES, "measurement": np.arange(level.size)},
        dims={"k_out_subject": ["subject"], "k_out_z": ["subject"], "y": ["measurement"], "time_grid": ["time"],
              "subject_group": ["subject"]},
    )
    idata.attrs.update(model="bone_inflammation", free_parameters=json.dumps(list(SCALARS)))
    idata.posterior.attrs.update(idata.attrs)
    for group in ("observed_data", "posterior_predictive", "prior_predictive", "log_likelihood"):
        getattr(idata, group).coords.update(
            {"subject": ("measurement", subj), "group": ("measurement", grp),
             "time": ("measurement", time), "observable": ("measurement", obs)})
    return idata


def iid_draws(chains=4, n=500, seed=1, shift=0.0):
    """Well-mixed log-normal draws around SCALARS; ``shift`` moves chain 0 of k_out (log units)."""
    rng = np.random.default_rng(seed)
    draws = {k: v * np.exp(rng.normal(0.0, 0.1, (chains, n))) for k, v in SCALARS.items()}
    draws["k_out"][0] *= np.exp(shift)
    draws["k_out_subject"] = SCALARS["k_out"] * np.exp(rng.normal(0.0, 0.1, (chains, n, len(SUBJECTS))))
    draws["k_out_sd"] = np.abs(rng.normal(0.1, 0.01, (chains, n)))
    draws["k_out_z"] = rng.normal(0.0, 1.0, (chains, n, len(SUBJECTS)))  # non-centred latent
    return draws


@pytest.fixture(scope="module")
def good():
    return make_idata(iid_draws())


# ----------------------------------------------------------------------------- gates


def test_gates_pass_on_iid_draws_and_report_values(good):
    report = diagnostics.gates(good)
    assert report["passed"] and report["failed"] == []
    assert (report["n_chains"], report["n_draws"]) == (4, 500)
    g = report["gates"]
    assert 1.0 - 1e-3 < g["r_hat"]["value"] <= 1.01
    # iid draws: ESS near the 2000 draws (well above 400), bounded by ~chains*draws*1.5
    assert 1200 < g["ess_bulk"]["value"] < 3000 and 1200 < g["ess_tail"]["value"] < 3000
    assert g["divergences"] == {"value": 0, "threshold": 0, "rule": "total <= 0", "passed": True}
    assert g["failed_solves"]["value"] == 0 and g["failed_solves"]["passed"]
    assert g["r_hat"]["threshold"] == 1.01 and g["ess_bulk"]["threshold"] == 400


def test_gate_fails_on_shifted_chain_and_names_it():
    report = diagnostics.gates(make_idata(iid_draws(shift=1.0)))
    g = report["gates"]["r_hat"]
    assert not report["passed"] and "r_hat" in report["failed"]
    assert g["worst"] == "k_out" and g["value"] > 1.5 and not g["passed"]
    assert "r_hat = " in diagnostics.gate_message(report) and "at k_out" in diagnostics.gate_message(report)


def test_gate_fails_on_few_draws_with_the_ess_value():
    report = diagnostics.gates(make_idata(iid_draws(n=50), n=50))
    for name in ("ess_bulk", "ess_tail"):
        g = report["gates"][name]
        assert not g["passed"] and 50 < g["value"] < 400, g
    assert {"ess_bulk", "ess_tail"} <= set(report["failed"])
    # thresholds are parameters: 50 required draws pass the same data
    assert diagnostics.gates(make_idata(iid_draws(n=50), n=50), ess_min=50)["gates"]["ess_bulk"]["passed"]


def test_gates_fail_on_divergences_and_failed_solves(good):
    div = np.zeros((4, 500), bool)
    div[2, [10, 20, 30]] = True
    failed = np.zeros((4, 500), np.int64)
    failed[1, 5] = 2
    report = diagnostics.gates(make_idata(iid_draws(), diverging=div, failed=failed))
    assert report["failed"] == ["divergences", "failed_solves"]
    assert report["gates"]["divergences"]["value"] == 3
    assert report["gates"]["failed_solves"]["value"] == 2
    md = tables.gates_markdown(report)
    assert "FAILED: divergences, failed_solves" in md and "| divergences | 3 | total <= 0 |  | FAIL |" in md
    assert "<b>Gates (4 chains x 500 draws): FAILED" in tables.gates_html(report)
    loose = diagnostics.gates(make_idata(iid_draws(), diverging=div, failed=failed), max_divergences=3,
                              max_failed_solves=2)
    assert loose["passed"]


def test_missing_failed_solves_and_single_chain_fail_rather_than_pass(good):
    no_stat = good.copy()
    no_stat["sample_stats"] = no_stat.sample_stats.to_dataset().drop_vars("failed_solves")
    g = diagnostics.gates(no_stat)["gates"]["failed_solves"]
    assert not g["passed"] and g["value"] is None and "missing" in g["note"]
    one = make_idata({k: v[:1] for k, v in iid_draws().items()}, chains=1)
    g = diagnostics.gates(one)["gates"]["r_hat"]
    assert not g["passed"] and g["value"] is None


def test_summary_has_convergence_columns(good):
    table = diagnostics.summary(good)
    for col in ("variable", "r_hat", "ess_bulk", "ess_tail", "mcse_mean", "hdi_5%", "hdi_95%"):
        assert col in table.columns
    assert "k_out_subject[i2]" in set(table["variable"])
    assert len(table) == len(SCALARS) + 2 * len(SUBJECTS) + 1
    assert "| k_out |" in tables.summary_markdown(table)


# -------------------------------------------------------------------------- recovery


def test_score_recovery_coverage_on_a_constructed_case():
    # uniform draws on [0, 100]: 50% interval [25, 75], 90% interval [5, 95]
    grid = np.linspace(0.0, 100.0, 2001)[:2000].reshape(4, 500)
    draws = {"a": grid, "b": grid, "c": grid, "k_out_subject": np.repeat(grid[..., None], 4, axis=-1)}
    # the synthetic cohort's truth.json layout
    truth = {"model": "bone_inflammation", "seed": 1, "population": {"a": 50.0, "b": 80.0, "not_fitted": 1.0},
             "c": 99.0,
             "subjects": {s: {"group": g, "parameters": {"k_out": v}, "inputs": {"tnf": 5.0}}
                          for s, g, v in zip(SUBJECTS, GROUPS, [10.0, 60.0, 3.0, 90.0])}}
    rec = diagnostics.score_recovery(make_idata(draws), truth).set_index(["parameter", "subject"])
    assert len(rec) == 3 + 4
    assert rec.loc[("a", ""), "inside_50"] and rec.loc[("a", ""), "inside_90"]
    assert not rec.loc[("b", ""), "inside_50"] and rec.loc[("b", ""), "inside_90"]
    assert not rec.loc[("c", "")]["inside_90"]
    assert rec.loc[("b", ""), "rel_error"] == pytest.approx((50.0 - 80.0) / 80.0, abs=1e-3)
    assert rec.loc[("a", ""), ["q05", "q25", "q75", "q95"]].tolist() == pytest.approx([5, 25, 75, 95], abs=0.1)
    cov = diagnostics.coverage(rec.reset_index())
    assert cov["population"] == pytest.approx({"n": 3, "inside_50": 1 / 3, "inside_90": 2 / 3,
                                               "median_abs_rel_error": 0.375}, abs=1e-3)
    # subjects: 10 (90 only), 60 (both), 3 (neither), 90 (90 only)
    assert cov["subject"]["inside_50"] == 0.25 and cov["subject"]["inside_90"] == 0.75
    assert cov["all"]["n"] == 7 and cov["all"]["inside_90"] == pytest.approx(5 / 7)
    assert sorted(cov["outside_90"]) == ["c", "k_out_subject[i1]"]


def test_normalise_truth_maps_synthetic_layout_to_posterior_names():
    flat = diagnostics.normalise_truth({
        "model": "m", "population": {"k_out": 0.01}, "random_effects_sd": {"k_out": 0.2},
        "noise_cv": {"ctx_rel": 0.2}, "subjects": {"h1": {"group": "healthy", "parameters": {"k_out": 0.011}}}})
    assert flat.pop("k_out_subject") == {"h1": 0.011}
    assert flat == pytest.approx({"k_out": 0.01, "k_out_sd": 0.2, "sigma_ctx_rel": np.sqrt(np.log(1.04))})


def test_score_recovery_accepts_subject_list_and_rejects_unrelated_truth(good):
    rec = diagnostics.score_recovery(good, {"parameters": {"k_out_subject": [0.0095] * 4, "k_out_z": [0.0] * 4}})
    assert rec["subject"].tolist() == SUBJECTS and rec["inside_90"].all()
    with pytest.raises(DataError, match="truth names none of the posterior variables"):
        diagnostics.score_recovery(good, {"foo": 1.0})
    with pytest.raises(DataError, match="one value per subject"):
        diagnostics.score_recovery(good, {"k_out_subject": [1.0, 2.0]})


# --------------------------------------------------------------------------- figures


def test_predictive_bands_pool_subjects_per_time(good):
    bands = diagnostics.predictive_bands(good)
    assert len(bands) == 2 * 2 * 3 and (bands["n_subjects"] == 2).all()
    assert bands[["observable", "group"]].drop_duplicates().values.tolist() == [
        ["ctx_rel", "healthy"], ["ctx_rel", "inflamed"], ["bmd_ls", "healthy"], ["bmd_ls", "inflamed"]]
    row = bands[(bands.observable == "ctx_rel") & (bands.group == "inflamed") & (bands.time == 90.0)].iloc[0]
    # level 2 with log-sd 0.1: median 2, 90% band 2*exp(+-1.645*0.1)
    assert row.q50 == pytest.approx(2.0, rel=0.01)
    assert row.q95 == pytest.approx(2.0 * np.exp(1.645 * 0.1), rel=0.02)
    assert (bands.q05 < bands.q25).all() and (bands.q75 < bands.q95).all()


def _n_axes(fig):
    """Panels that show data (arviz-plots leaves unused grid cells as empty, axis-less axes)."""
    return len([ax for ax in fig.axes if ax.get_visible() and ax.has_data()])


def test_every_figure_returns_a_figure_with_expected_panels(good):
    # posterior: 5 SCALARS + k_out_sd (population, no prior) + k_out_subject + k_out_z;
    # 2 observables x 2 groups
    assert fit_plots.population_variables(good) == [*SCALARS, "k_out_sd"]
    expected = {
        "trace": 2 * 6,  # trace + density per quantity of interest (subject effects: "subjects")
        "rank": 6,  # population variables
        "pair": 6,  # 3 cytokine parameters: lower triangle of a 3x3 grid with marginals
        "forest": 1,  # one axis: intervals, with R-hat and ESS annotated per row
        "subjects": 1,  # one compact panel per subject effect (k_out_subject)
        "energy": 2,  # BFMI per chain + marginal/transition energy
        "prior_posterior": 5,  # population variables that also have prior draws
        "ppc": 4,  # observable x group
        "measurements": 1,  # one forest of every measurement against its predictive interval
    }
    assert set(expected) == set(fit_plots.FIGURES)
    for name, plot in fit_plots.FIGURES.items():
        fig = plot(good)
        assert isinstance(fig, matplotlib.figure.Figure), name
        assert _n_axes(fig) == expected[name], (name, _n_axes(fig))
        plt.close(fig)


def test_pair_forest_and_ppc_show_the_right_variables_and_panels(good):
    fig = fit_plots.pair(good)
    labels = {ax.get_xlabel() for ax in fig.axes} | {ax.get_ylabel() for ax in fig.axes}
    assert {"log10(tnf_ec50)", "log10(tnf_e_rankl)", "log10(il6_e_ob)"} <= labels
    assert not any("k_out" in lab for lab in labels)
    plt.close(fig)
    fig = fit_plots.forest(good)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "k_out (log10 / prior median)" in ticks and not any("k_out_z" in t or "k_out_subject" in t for t in ticks)
    assert len(ticks) == len(fit_plots.quantities_of_interest(good))
    plt.close(fig)
    fig = fit_plots.ppc(good)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["ctx_rel · healthy", "ctx_rel · inflamed", "bmd_ls · healthy", "bmd_ls · inflamed"]
    scales = [ax.get_yscale() for ax in fig.axes]
    assert scales == ["linear", "linear", "linear", "linear"]  # nothing spans a factor 3 here
    assert fig.axes[0].get_ylabel().startswith("ctx_rel (")
    plt.close(fig)


def test_forest_shows_a_positive_posterior_with_a_signed_prior_on_its_own_scale(good):
    """A prior that reaches zero or below (a normal prior) has no log10 median: that row stays natural."""
    signed = good.copy()
    prior = signed["prior"].to_dataset()
    name = next(n for n in fit_plots.quantities_of_interest(good) if n in prior)
    prior[name] = prior[name] - 2.0 * float(prior[name].max())
    signed["prior"] = xr.DataTree(prior)
    fig = fit_plots.forest(signed)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert name in ticks and f"{name} (log10 / prior median)" not in ticks
    plt.close(fig)


# ------------------------------------------------------------------------------- CLI


def _write(idata, path):
    idata.to_netcdf(str(path))
    return path


FIGURE_FILES = [f"{name}.png" for name in fit_plots.FIGURES]


def test_cli_writes_every_file(tmp_path, good):
    nc = _write(good, tmp_path / "idata.nc")
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"k_out": 9.5e-3, "tnf_ec50": 20.0, "k_out_subject": {"h1": 9.5e-3}}))
    out = tmp_path / "diag"
    rc = cli.main(["diagnose", "--idata", str(nc), "--outdir", str(out), "--truth", str(truth), "--fail-on-gate"])
    assert rc == 0
    names = {p.name for p in out.iterdir()}
    assert {"summary.csv", "gates.json", "gates.html", "recovery.csv", "coverage.json", "ppc_bands.csv",
            *FIGURE_FILES} <= names
    assert not [n for n in names if n.startswith(".")]  # no temp files left
    assert json.loads((out / "gates.json").read_text())["passed"] is True
    assert json.loads((out / "coverage.json").read_text())["all"]["n"] == 3


def test_cli_fail_on_gate_exits_2_after_writing_gates(tmp_path, capsys):
    div = np.zeros((4, 500), bool)
    div[0, 0] = True
    nc = _write(make_idata(iid_draws(), diverging=div), tmp_path / "idata.nc")
    out = tmp_path / "diag"
    rc = cli.main(["diagnose", "--idata", str(nc), "--outdir", str(out), "--fail-on-gate", "--no-figures"])
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "divergences = 1" in err and "gates.json" in err
    gates = json.loads((out / "gates.json").read_text())
    assert gates["passed"] is False and gates["gates"]["divergences"]["value"] == 1
    # without the switch the same fit exits 0
    assert cli.main(["diagnose", "--idata", str(nc), "--outdir", str(out), "--no-figures"]) == 0


def test_cli_missing_idata_is_one_line_error(tmp_path, capsys):
    assert cli.main(["diagnose", "--idata", str(tmp_path / "nope.nc"), "--outdir", str(tmp_path)]) == 2
    assert "nope.nc" in capsys.readouterr().err


def test_measurement_coverage_marks_each_point_against_its_own_interval(good):
    from remodel_fit.inference.diagnostics import measurement_coverage

    table = measurement_coverage(good, level=0.9)
    pred = good.posterior_predictive["y"].stack(sample=("chain", "draw")).transpose("measurement", "sample").values
    i = 3
    low, high = np.quantile(pred[i], [0.05, 0.95])
    assert table.loc[i, "low"] == pytest.approx(low) and table.loc[i, "high"] == pytest.approx(high)
    assert table.loc[i, "inside"] == (low <= table.loc[i, "observed"] <= high)
    assert 0.6 < table["inside"].mean() <= 1.0     # a well-specified synthetic fit covers most points
