"""The arm-table reader (remodel_fit.data.arms): one-line errors naming file, line and column,
SE conversions, derived records, exclusions with reasons, and the counts on the shared table."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from statistics import NormalDist

import pytest

from conftest import REPO
from remodel_fit.data import arm_rows, arm_se
from remodel_fit.data import arms
from remodel_fit.errors import ArmsError, DataError

REAL = next((p for p in (REPO.parent / "shared/data/inflammation/arms.csv",
                         Path("/work/shared/data/inflammation/arms.csv")) if p.is_file()), None)
real = pytest.mark.skipif(REAL is None, reason="shared inflammation data (shared/data/inflammation/arms.csv) absent")


def row(**cells: str) -> dict[str, str]:
    """A valid row (RA infliximab arm, lumbar-spine BMD at 1 year, no spread), with overrides."""
    base = dict(study="s1", population="RA, active", n="40", arm="ifx", drug="infliximab", schedule="",
                time_days="365", observable="bmd_ls_rel", value="0.98", unit="1", spread="", spread_kind="none",
                statistic="mean_rel", source="abstract", citation="x 2000", exact="yes", note="")
    base.update(cells)
    return base


@pytest.fixture
def write(tmp_path: Path):
    def _write(rows: list[dict[str, str]], header: tuple[str, ...] = arm_rows.COLUMNS) -> Path:
        path = tmp_path / "arms.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(header), extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
        return path
    return _write


def only(records, **match):
    sel = records
    for key, value in match.items():
        sel = sel[sel[key] == value]
    assert len(sel) == 1, sel
    return sel.iloc[0]


# ------------------------------------------------------------------------------------ errors

@pytest.mark.parametrize("cells, column, words", [
    (dict(drug="aspirin"), "drug", "unknown drug 'aspirin'"),
    (dict(spread_kind="stdev", spread="0.1"), "spread_kind", "unknown spread_kind 'stdev'"),
    (dict(spread_kind="ci95", spread="1.01", statistic="pooled_mean_rel"), "spread", "needs both bounds"),
    (dict(spread_kind="ci95", spread="1.01;", statistic="pooled_mean_rel"), "spread", "needs both bounds"),
    (dict(spread_kind="ci95", spread="", statistic="pooled_mean_rel"), "spread", "needs both bounds"),
    (dict(spread_kind="range", spread="1;x", statistic="median"), "spread", "'x' is not a number"),
    (dict(spread_kind="sd", spread="-0.1"), "spread", "-0.1 is negative"),
    (dict(spread_kind="iqr", spread="1.2;0.9", statistic="median_rel"), "spread", "low 1.2 > high 0.9"),
    (dict(n="0"), "n", "n = 0 <= 0"),
    (dict(n="-3"), "n", "n = -3 <= 0"),
    (dict(n="12.5"), "n", "not an integer"),
    (dict(time_days="-7"), "time_days", "before baseline"),
    (dict(time_days="week 2"), "time_days", "'week 2' is not a finite number"),
    (dict(time_days=""), "time_days", "empty cell"),
    (dict(value="abc"), "value", "'abc' is not a finite number"),
    (dict(value="nan"), "value", "'nan' is not a finite number"),
    (dict(value=""), "value", "empty cell"),
    (dict(study=""), "study", "empty cell"),
    (dict(spread="0.1"), "spread", "spread_kind is 'none'"),
    (dict(statistic="geomean"), "statistic", "unknown statistic"),
])
def test_malformed_cell_is_one_line_naming_file_line_and_column(write, cells, column, words):
    path = write([row(), row(**cells)])
    with pytest.raises(ArmsError) as err:
        arms.read_arms(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: line 3, column {column!r}: ")
    assert words in message and "expected" in message


def test_missing_column_names_it_on_the_header_line(write):
    path = write([row()], header=tuple(c for c in arm_rows.COLUMNS if c != "statistic"))
    with pytest.raises(ArmsError, match=r"arms\.csv: line 1, column 'statistic': missing column; expected"):
        arms.read_arms(path)


def test_note_column_is_optional(write):
    path = write([row()], header=tuple(c for c in arm_rows.COLUMNS if c != "note"))
    assert len(arms.read_arms(path).records) == 1


def test_line_numbers_count_quoted_multiline_cells(write):
    path = write([row(note="first line\nsecond line"), row(drug="aspirin")])
    with pytest.raises(ArmsError, match="line 4, column 'drug'"):
        arms.read_arms(path)


def test_missing_file(tmp_path):
    with pytest.raises(ArmsError, match="file not found"):
        arms.read_arms(tmp_path / "nope.csv")


def test_the_error_is_a_data_error_and_lists_the_vocabulary(write):
    with pytest.raises(DataError) as err:
        arms.read_arms(write([row(drug="aspirin")]))
    assert "expected one of infliximab, adalimumab, etanercept, tocilizumab, denosumab" in str(err.value)


def test_a_row_with_too_few_cells_names_its_line(write, tmp_path):
    path = write([row()])
    path.write_text(path.read_text() + "s2,RA,10\n")
    with pytest.raises(ArmsError, match=r"line 3, column 'arm': 3 cells; expected 17 cells"):
        arms.read_arms(path)


# ----------------------------------------------------------------------- SE of the statistic

def test_sd_is_divided_by_root_n(write):
    rec = arms.read_arms(write([row(observable="das28", value="5.2", unit="score", n="25", spread="1.0",
                                    spread_kind="sd", statistic="mean", time_days="0")])).records
    r = only(rec, observable="das28")
    assert (r.kind, r.value, r.se, r.se_method) == ("absolute", 5.2, pytest.approx(0.2), "sd/sqrt(n)")


def test_se_is_taken_as_printed_and_percent_rows_pass_through(write):
    # a printed "-3.9% (SEM 1.5)" is stored as 0.961 with spread 0.015: nothing more to convert
    rec = arms.read_arms(write([row(observable="bmd_fn_rel", value="0.961", n="16", spread="0.015",
                                    spread_kind="se")])).records
    r = only(rec, observable="bmd_fn_rel")
    assert (r.value, r.se, r.t_ref, r.kind) == (0.961, 0.015, 0.0, "relative")


def test_ci95_half_width_over_1_96(write):
    rec = arms.read_arms(write([row(value="1.051", n="568", spread="1.04;1.061", spread_kind="ci95",
                                    statistic="pooled_mean_rel", drug="tnfi_mixed")])).records
    assert only(rec).se == pytest.approx(0.021 / (2 * 1.959964), rel=1e-5)


def test_iqr_of_a_median_over_1_35_root_n_and_the_median_factor(write):
    path = write([row(observable="ctx_rel", value="0.91", n="24", spread="0.75;1.2", spread_kind="iqr",
                      statistic="median_rel", time_days="154")])
    assert only(arms.read_arms(path).records).se == pytest.approx(0.45 / 1.35 / math.sqrt(24))
    scaled = only(arms.read_arms(path, median_se_factor=math.sqrt(math.pi / 2)).records)
    assert scaled.se == pytest.approx(math.sqrt(math.pi / 2) * 0.45 / 1.35 / math.sqrt(24))
    assert "(median)" in scaled.se_method


def test_range_uses_wan_2014_xi_of_n(write):
    rec = arms.read_arms(write([row(observable="crp", value="16", unit="mg/L", n="60", spread="1.2;162",
                                    spread_kind="range", statistic="median", time_days="0")])).records
    xi = 2 * NormalDist().inv_cdf((60 - 0.375) / (60 + 0.25))
    assert arm_se.range_divisor(60) == pytest.approx(xi)
    assert 4.0 < xi < 5.0  # between Hozo's range/4 and range/6
    assert only(rec).se == pytest.approx(160.8 / xi / math.sqrt(60))


def test_pm_unlabelled_is_an_sd_and_a_level_pair_becomes_relative_with_propagated_se(write):
    base = dict(observable="ctx", unit="ng/mL", n="76", spread_kind="pm_unlabelled", statistic="mean",
                drug="tocilizumab")
    tables = arms.read_arms(write([row(time_days="0", value="0.32", spread="0.21", **base),
                                   row(time_days="730", value="0.26", spread="0.17", **base)]))
    r = only(tables.records, observable="ctx_rel")
    se1, se0 = 0.17 / math.sqrt(76), 0.21 / math.sqrt(76)
    assert r.value == pytest.approx(0.26 / 0.32)
    assert r.se == pytest.approx(0.26 / 0.32 * math.hypot(se1 / 0.26, se0 / 0.32))
    assert (r.line, r.ref_lines, r.t_ref) == (3, "2", 0.0)
    assert "pm_unlabelled read as SD" in r.se_method
    assert only(tables.excluded).reason.startswith("baseline reference (denominator) of line(s) 3")


def test_fold_over_healthy_controls_with_p10_p90_and_control_n_assumed(write):
    path = write([
        row(arm="patients", observable="il6", unit="pg/mL", value="6.5", n="60", spread="1.4;186",
            spread_kind="range", statistic="median", time_days="0", drug="tnfi_mixed", population="axial SpA (54 AS)"),
        row(arm="healthy_controls", observable="il6", unit="pg/mL", value="1.3", n="", spread="0.74;3.30",
            spread_kind="p10_p90", statistic="median", time_days="0", drug="none", population="healthy subjects"),
    ])
    tables = arms.read_arms(path)
    r = only(tables.records, observable="il6_fold")
    se_p = 184.6 / arm_se.range_divisor(60) / math.sqrt(60)
    se_c = 2.56 / (2 * NormalDist().inv_cdf(0.9)) / math.sqrt(60)
    assert (r.kind, r.value) == ("fold_control", pytest.approx(5.0))
    assert r.se == pytest.approx(5.0 * math.hypot(se_p / 6.5, se_c / 1.3))
    assert "control n assumed = patient n" in r.se_method
    assert "control reference" in only(tables.excluded).reason


def test_none_is_imputed_from_the_pooled_sd_of_the_family(write):
    rows = [row(arm="a", n="16", value="0.961", spread="0.015", spread_kind="se", observable="bmd_fn_rel"),
            row(arm="b", n="64", value="0.99", spread="0.0075", spread_kind="se", observable="bmd_th_rel"),
            row(arm="c", n="100", value="1.002", observable="bmd_ls_rel")]
    rec = arms.read_arms(write(rows)).records
    pooled = 0.06  # median of SE * sqrt(n): 0.015 * 4 and 0.0075 * 8
    r = only(rec, arm="c")
    assert r.se_imputed and r.se == pytest.approx(pooled / 10)
    assert r.se_method.startswith("imputed: pooled SD 0.06 (bmd_rel)")


def test_none_without_a_pool_or_n_is_flagged_free(write):
    rec = arms.read_arms(write([row(observable="ctx_rel", value="0.81", time_days="42")])).records
    r = only(rec)
    assert math.isnan(r.se) and not r.se_imputed and r.se_method.startswith("free:")


def test_annual_rate_keeps_its_interval(write):
    rows = [row(arm="years_2_to_10", time_days="3652", value="0.9944", statistic="mean_annual_change_rel",
                drug="mixed", observable="bmd_fn_rel"),
            row(arm="all_followup", time_days="1461", value="0.9942", statistic="mean_annual_change_rel",
                drug="adalimumab", observable="bmd_th_rel")]
    rec = arms.read_arms(write(rows)).records
    assert only(rec, arm="years_2_to_10")[["kind", "t_ref", "time_days"]].tolist() == ["annual_rate", 730.0, 3652.0]
    assert only(rec, arm="all_followup").t_ref == 0.0


def test_missing_subgroup_n_is_an_equal_split_of_the_parent(write):
    rows = [row(arm="ifx_all", n="102"), row(arm="ifx_good_responders", n=""), row(arm="ifx_non_responders", n="")]
    rec = arms.read_arms(write(rows)).records
    r = only(rec, arm="ifx_good_responders")
    assert (r.n, r.n_source, r.parent_arm) == (51.0, "split_equal", "ifx_all")


# --------------------------------------------------------------------------------- exclusions

@pytest.mark.parametrize("cells, reason", [
    (dict(observable="il6", unit="pg/mL", value="3.13", statistic="upper_bound", time_days="0",
          population="normal controls", drug="none"), "upper bound only"),
    (dict(observable="il6", unit="SMD", value="2.4", spread="1.57;3.24", spread_kind="ci95", statistic="smd",
          time_days="0", drug="none"), "standardised mean difference"),
    (dict(observable="bmd_ls_change", unit="g/cm2 (sic)", value="-2.4", spread="0.8", spread_kind="unspecified",
          statistic="mean_change", drug="none"), "absolute change without a baseline level"),
    (dict(observable="bmd_hand_rel", value="0.992"), "not a model observable"),
    (dict(study="lange2005", value="1.12", observable="bmd_fn_rel"), "outlier per the data README"),
    (dict(observable="ctx", unit="ng/mL", value="0", statistic="mean", time_days="0"), "level <= 0"),
    (dict(observable="ctx", unit="ng/mL", value="0.3", statistic="median_rel", time_days="0"),
     "on an absolute observable"),
    (dict(observable="ctx", unit="ng/mL", value="0.3", statistic="mean", time_days="154"),
     "no baseline row of this observable in this arm"),
    (dict(observable="p1np", unit="ug/L", value="38.3", statistic="mean", time_days="0"), "baseline level only"),
    (dict(observable="il6", unit="pg/mL", value="13.2", statistic="mean", time_days="0"),
     "cytokine level without a control group"),
    (dict(observable="crp", unit="not stated in retrieved table", value="22", statistic="median", time_days="0"),
     "unit not stated"),
    (dict(value="1.0", time_days="0"), "normalisation point"),
])
def test_unusable_rows_are_excluded_with_their_reason(write, cells, reason):
    tables = arms.read_arms(write([row(**cells)]))
    assert tables.records.empty
    assert reason in only(tables.excluded).reason


def test_control_that_is_only_an_upper_bound_excludes_the_patient_fold(write):
    rows = [row(arm="RA", observable="il6", unit="pg/mL", value="13.3", spread="14", spread_kind="pm_unlabelled",
                statistic="mean", time_days="0", drug="none", n="108"),
            row(arm="normal_controls", population="normal controls", observable="il6", unit="pg/mL", value="3.13",
                statistic="upper_bound", time_days="0", drug="none", n="10")]
    excluded = arms.read_arms(write(rows)).excluded
    assert "the control value is an upper bound only" in only(excluded, arm="RA").reason


def test_level_pair_duplicating_a_printed_relative_change_is_excluded(write):
    base = dict(arm="mtx_control", drug="mtx", n="99", unit="g/cm2", spread="0.162", spread_kind="sd", statistic="mean",
                observable="bmd_fn")
    rows = [row(time_days="0", value="0.797", **base), row(time_days="365", value="0.770", **base),
            row(arm="mtx_control", drug="mtx", n="99", observable="bmd_fn_rel", value="0.975")]
    tables = arms.read_arms(write(rows))
    assert only(tables.records).line == 4
    assert "duplicate" in only(tables.excluded, line=3).reason
    assert "printed as bmd_fn_rel" in only(tables.excluded, line=2).reason


def test_custom_exclusions_replace_the_defaults(write):
    path = write([row(study="lange2005"), row(study="s2", arm="x")])
    tables = arms.read_arms(path, exclusions=[arms.Exclusion("s2", "test reason", arm="x")])
    assert only(tables.records).study == "lange2005"
    assert only(tables.excluded).reason == "excluded by default: test reason"


@real
def test_real_table_every_line_is_used_or_excluded_exactly_once():
    records, excluded = arms.read_arms(REAL)
    lines = list(records["line"]) + list(excluded["line"])
    assert sorted(lines) == list(range(2, 2 + len(arm_rows.parse_rows(REAL))))
    assert excluded["reason"].str.len().gt(0).all()
    assert records.loc[~records["se"].isna(), "se"].gt(0).all()
    assert set(records["kind"]) <= set(arms.KINDS)
    assert (excluded["study"] == "lange2005").sum() == 2


@real
def test_real_table_counts():
    """179 rows from 26 sources: 111 records (80 relative, 8 annual rates, 11 folds, 12 activity levels), 68 excluded."""
    records, excluded = arms.read_arms(REAL)
    assert (len(records), len(excluded)) == (111, 68)
    assert records["kind"].value_counts().to_dict() == {"relative": 80, "absolute": 12, "fold_control": 11,
                                                        "annual_rate": 8}
    assert (records["se_imputed"].sum(), records["se"].isna().sum()) == (43, 1)
    assert records["study"].nunique() == 20
    reasons = excluded["reason"]
    assert reasons.str.startswith("baseline reference (denominator)").sum() == 19
    assert reasons.str.startswith("control reference").sum() == 5
    assert reasons.str.contains("standardised mean difference").sum() == 6
    assert reasons.str.contains("synovial fluid").sum() == 4
    free = records[records["se"].isna()].iloc[0]
    assert (free.study, free.observable) == ("madhok1993", "il6_fold")


@real
def test_real_table_pooled_sds():
    """Pools of the imputed SEs: BMD from Shenstone's SEMs, markers from Pedersen's IQRs."""
    pools = arm_se.pooled_sd(arms.read_arms(REAL).records)
    assert pools["bmd_rel"] == pytest.approx(0.0555, abs=5e-4)
    assert pools["resorption_rel"] == pytest.approx(0.385, abs=5e-3)
    assert pools["formation_rel"] == pytest.approx(0.252, abs=5e-3)
    assert pools["ctx_oc_ratio_rel"] == pytest.approx(math.hypot(pools["resorption_rel"], pools["formation_rel"]))


# ------------------------------------------------------------------------------ the verb

def test_read_arms_verb_writes_records_excluded_and_regimens(write, tmp_path, capsys):
    import pandas as pd

    from remodel_fit.cli import main

    base = dict(observable="ctx", unit="ng/mL", n="76", spread_kind="pm_unlabelled", statistic="mean",
                drug="tocilizumab", schedule="8 mg/kg IV every 4 weeks", arm="tcz")
    path = write([row(time_days="0", value="0.32", spread="0.21", **base),
                  row(time_days="730", value="0.26", spread="0.17", **base)])
    outdir = tmp_path / "out"
    assert main(["read-arms", "--arms", str(path), "--outdir", str(outdir)]) == 0
    records = pd.read_csv(outdir / "records.csv")
    excluded = pd.read_csv(outdir / "excluded.csv")
    regimens = pd.read_csv(outdir / "regimens.csv")
    assert records[["line", "observable", "kind"]].values.tolist() == [[3, "ctx_rel", "relative"]]
    assert excluded[["line"]].values.ravel().tolist() == [2] and excluded["reason"].str.startswith("baseline").all()
    assert regimens[["regimen", "n_doses"]].values.tolist() == [["tocilizumab 8 mg/kg IV every 28 d", 27]]
    assert "1 records" in capsys.readouterr().out


@pytest.mark.parametrize("cells, column", [(dict(drug="aspirin"), "drug"), (dict(n="0"), "n"),
                                           (dict(time_days="-1"), "time_days")])
def test_read_arms_verb_exits_2_with_one_line_and_writes_nothing(write, tmp_path, capsys, cells, column):
    from remodel_fit.cli import main

    path = write([row(), row(**cells)])
    outdir = tmp_path / "out"
    assert main(["read-arms", "--arms", str(path), "--outdir", str(outdir)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith(f"remodel-fit read-arms: error: {path}: line 3, column {column!r}: ")
    assert not outdir.exists()


def test_read_arms_verb_refuses_an_out_of_range_median_factor(write, tmp_path, capsys):
    from remodel_fit.cli import main

    code = main(["read-arms", "--arms", str(write([row()])), "--median-se-factor", "3", "--outdir", str(tmp_path / "o")])
    assert code == 2
    assert "read-arms.median_se_factor: 3.0 is out of range; expected a number >= 1 and <= 2" in capsys.readouterr().err
