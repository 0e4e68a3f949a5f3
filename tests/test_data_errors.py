"""Malformed inputs: each gives one line naming file, line, column and what was expected,
exit code 2 through the CLI, and no output file."""

from __future__ import annotations

from pathlib import Path

import pytest

from remodel_fit.cli import main
from remodel_fit.data.build import read_dataset
from remodel_fit.errors import ConfigError, DataError
from remodel_fit.registry import get_model

HEADER = "subject,group,time_days,observable,value,sd,unit"
GOOD_ROWS = [
    "s1,a,0,ctx,0.4,,ng/mL",
    "s1,a,30,ctx,0.5,0.05,ng/mL",
    "s1,a,0,bmd_ls,1.0,,g/cm2",
    "s2,b,0,ctx,0.3,,ng/mL",
]
GOOD = "\n".join([HEADER, *GOOD_ROWS]) + "\n"
COND_HEADER = "subject,group,time_days,input,value"
GOOD_COND = "\n".join([COND_HEADER, "*,a,0,tnf,23", "s2,b,0,tnf,5", "s2,b,10,tnf,6", "*,b,0,denosumab_mg,60"]) + "\n"


def _rows(*replace: tuple[int, str], extra: tuple[str, ...] = ()) -> str:
    rows = list(GOOD_ROWS)
    for i, text in replace:
        rows[i] = text
    return "\n".join([HEADER, *rows, *extra]) + "\n"


def _cond(*rows: str) -> str:
    return "\n".join([COND_HEADER, *rows]) + "\n"


# (id, measurements text, conditions text or None, expected message after "<file>: ", which file is named)
CASES = [
    ("missing column", GOOD.replace(",unit", "").replace(",ng/mL", "").replace(",g/cm2", ""), None,
     "line 1, column 'unit': missing from the header; expected columns subject, group, time_days, observable, value, sd, unit (sd optional)", "m"),
    ("misspelt column", GOOD.replace("value", "valeu"), None,
     "line 1, column 'valeu': unknown column, misspelt 'value'?; expected columns subject", "m"),
    ("unknown column", GOOD.replace("unit\n", "unit,comment\n").replace("mL\n", "mL,x\n").replace("cm2\n", "cm2,x\n"), None,
     "line 1, column 'comment': unknown column; expected columns subject", "m"),
    ("misspelt observable", _rows((1, "s1,a,30,ctxx,0.5,,ng/mL")), None,
     "line 3, column 'observable': unknown observable 'ctxx' (did you mean 'ctx'?); expected an observable of model 'bone_inflammation'", "m"),
    ("unknown observable", _rows((3, "s2,b,0,tnf_serum,0.3,,pg/mL")), None,
     "line 5, column 'observable': unknown observable 'tnf_serum'", "m"),
    ("non-numeric value", _rows((1, "s1,a,30,ctx,abc,,ng/mL")), None,
     "line 3, column 'value': 'abc' is not a number; expected a finite number", "m"),
    ("NaN value", _rows((2, "s1,a,0,bmd_ls,NaN,,g/cm2")), None,
     "line 4, column 'value': 'NaN' is NaN; expected a finite number", "m"),
    ("empty value", _rows((0, "s1,a,0,ctx,,,ng/mL")), None,
     "line 2, column 'value': empty cell; expected a finite number", "m"),
    ("infinite value", _rows((0, "s1,a,0,ctx,inf,,ng/mL")), None,
     "line 2, column 'value': 'inf' is not finite; expected a finite number", "m"),
    ("negative positive observable", _rows((1, "s1,a,30,ctx,-0.2,,ng/mL")), None,
     "line 3, column 'value': -0.2 is negative; expected a value > 0 (observable 'ctx' is positive, fitted on the log scale)", "m"),
    ("zero positive observable", _rows((2, "s1,a,0,bmd_ls,0,,g/cm2")), None,
     "line 4, column 'value': 0 is zero; expected a value > 0 (observable 'bmd_ls' is positive", "m"),
    ("duplicate", _rows(extra=("s1,a,30,ctx,0.6,,ng/mL",)), None,
     "line 6, column 'time_days': duplicate of line 3 (subject 's1', observable 'ctx', time 30); expected one value per subject, observable and time", "m"),
    ("unsorted times", _rows((0, "s1,a,30,ctx,0.4,,ng/mL"), (1, "s1,a,0,ctx,0.5,,ng/mL")), None,
     "line 3, column 'time_days': 0 comes after 30 on line 2 (subject 's1', observable 'ctx'); expected times ascending within each subject and observable (sort the rows)", "m"),
    ("negative time", _rows((0, "s1,a,-7,ctx,0.4,,ng/mL")), None,
     "line 2, column 'time_days': -7 is negative; expected a time in days >= 0", "m"),
    ("non-numeric time", _rows((1, "s1,a,day30,ctx,0.5,,ng/mL")), None,
     "line 3, column 'time_days': 'day30' is not a number; expected a time in days >= 0", "m"),
    ("unit mismatch", _rows((1, "s1,a,30,ctx,0.5,,nmol/L")), None,
     "line 3, column 'unit': 'nmol/L' does not match; expected 'ng/mL', the unit of observable 'ctx'", "m"),
    ("negative sd", _rows((1, "s1,a,30,ctx,0.5,-0.1,ng/mL")), None,
     "line 3, column 'sd': -0.1 is negative; expected a standard deviation > 0, or empty", "m"),
    ("non-numeric sd", _rows((1, "s1,a,30,ctx,0.5,high,ng/mL")), None,
     "line 3, column 'sd': 'high' is not a number; expected a standard deviation > 0, or empty", "m"),
    ("empty file", "", None, "line 1: the file is empty; expected a header line and measurements rows", "m"),
    ("header only", HEADER + "\n", None, "line 2: the file has a header but no rows; expected at least one measurements row", "m"),
    ("wrong delimiter", GOOD.replace(",", ";"), None,
     "line 1, column 'subject;group;time_days;observable;value': the header is one column split by semicolons (';'); expected comma-separated columns (save as CSV with commas)", "m"),
    ("subject in two groups", _rows((2, "s1,b,0,bmd_ls,1.0,,g/cm2")), None,
     "line 4, column 'group': subject 's1' is in group 'b' here but 'a' on line 2; expected one group per subject", "m"),
    ("empty subject", _rows((3, ",b,0,ctx,0.3,,ng/mL")), None,
     "line 5, column 'subject': empty cell; expected a subject id without spaces (not '*')", "m"),
    ("blank line", _rows(extra=("", "s2,b,30,ctx,0.3,,ng/mL")), None,
     "line 6, column 'subject': empty cell; expected a subject id", "m"),
    # conditions
    ("misspelt input", GOOD, _cond("*,a,0,tnfa,23"),
     "line 2, column 'input': unknown input 'tnfa' (did you mean 'tnf'?); expected an input of model 'bone_inflammation'", "c"),
    ("unsupported drug", GOOD, _cond("*,a,0,romosozumab_mg,210"),
     "line 2, column 'input': unknown input 'romosozumab_mg' (a drug this model has no input for: drop its rows", "c"),
    ("zero dose", GOOD, _cond("*,a,0,denosumab_mg,0"),
     "line 2, column 'value': 0 is zero; expected a dose > 0 mg at time_days (a dose without an amount is a dose without a schedule", "c"),
    ("negative level", GOOD, _cond("s1,a,0,il6,-3"),
     "line 2, column 'value': -3 is negative; expected a level >= 0 pg/mL for input 'il6'", "c"),
    ("non-numeric dose", GOOD, _cond("s1,a,0,denosumab_mg,sixty"),
     "line 2, column 'value': 'sixty' is not a number; expected a finite number", "c"),
    ("subject without measurements", GOOD, _cond("s1,a,0,tnf,23", "s9,a,0,tnf,23"),
     "line 3, column 'subject': subject 's9' has no measurements in {m}; expected a subject of the measurements, or '*' for every subject of the group", "c"),
    ("dose for group without subjects", GOOD, _cond("*,a,0,tnf,23", "*,c,0,denosumab_mg,60"),
     "line 3, column 'group': 'denosumab_mg' rows for group 'c' reach no subject: the group has no measurements in {m} (dose without a schedule); expected one of the groups a, b", "c"),
    ("condition group mismatch", GOOD, _cond("s1,b,0,tnf,23"),
     "line 2, column 'group': subject 's1' is in group 'a' in {m}, not 'b'; expected group 'a'", "c"),
    ("duplicate condition", GOOD, _cond("s1,a,0,tnf,23", "s1,a,0,tnf,25"),
     "line 3, column 'time_days': duplicate 'tnf' row for subject 's1' at time 0; expected one row per subject (or group), input and time", "c"),
    ("unsorted condition", GOOD, _cond("*,b,30,denosumab_mg,60", "*,b,0,denosumab_mg,60"),
     "line 3, column 'time_days': 0 comes after 30 on line 2 (subject '*', group 'b', input 'denosumab_mg'); expected times ascending", "c"),
    ("subject and group rows clash", GOOD, _cond("*,b,0,tnf,23", "s2,b,0,tnf,5"),
     "column 'time_days': 'tnf' at time 0 for subject 's2' is given twice (by a subject row and a '*' row of its group)", "c"),
    ("conditions missing column", GOOD, "subject,group,time_days,value\n*,a,0,23\n",
     "line 1, column 'input': missing from the header; expected columns subject, group, time_days, input, value", "c"),
    ("conditions wrong delimiter", GOOD, GOOD_COND.replace(",", "\t"),
     "the header is one column split by tabs", "c"),
    ("conditions empty", GOOD, "\n\n", "line 1: the file is empty; expected a header line and conditions rows", "c"),
]


def _write(tmp_path: Path, meas: str, cond: str | None) -> tuple[Path, Path | None]:
    m = tmp_path / "m.csv"
    m.write_text(meas)
    c = None
    if cond is not None:
        c = tmp_path / "c.csv"
        c.write_text(cond)
    return m, c


def test_at_least_25_cases():
    assert len(CASES) >= 25


def test_good_tables_pass(tmp_path, capsys):
    m, c = _write(tmp_path, GOOD, GOOD_COND)
    out = tmp_path / "results" / "validated.json"
    assert main(["validate", "--measurements", str(m), "--conditions", str(c), "--out", str(out)]) == 0
    assert out.exists()
    assert "ok: 2 subjects in 2 groups" in capsys.readouterr().out


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_malformed_table(case, tmp_path, capsys):
    _, meas, cond, expected, which = case
    m, c = _write(tmp_path, meas, cond)
    expected = expected.format(m=m)
    named = m if which == "m" else c
    with pytest.raises(DataError) as info:
        read_dataset(m, c, get_model("bone_inflammation"))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{named}: "), message
    assert expected in message, message

    out = tmp_path / "results" / "data" / "validated.json"
    argv = ["validate", "--measurements", str(m), "--out", str(out), "--plot", str(out.with_suffix(".png"))]
    if c is not None:
        argv += ["--conditions", str(c)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"remodel-fit validate: error: {message}"
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_petab_names_accepted_and_checked(tmp_path):
    good = "observableId,simulationConditionId,time,measurement\nctx,s1,0,0.4\nctx,s1,30,0.5\n"
    m, _ = _write(tmp_path, good, None)
    ds = read_dataset(m, None, get_model("bone_inflammation"))
    assert ds.subjects == ("s1",) and ds.groups == ("s1",) and ds.observables == ("ctx",)
    m.write_text(good.replace("ctx,s1,30", "ctx_serum,s1,30"))
    with pytest.raises(DataError, match=r"m.csv: line 3, column 'observable': unknown observable 'ctx_serum'"):
        read_dataset(m, None, get_model("bone_inflammation"))


def test_tsv_read_with_tabs(tmp_path):
    m = tmp_path / "m.tsv"
    m.write_text(GOOD.replace(",", "\t"))
    assert read_dataset(m, None, get_model("bone_inflammation")).n_measurements == 4
    m.write_text(GOOD)
    with pytest.raises(DataError, match="split by commas"):
        read_dataset(m, None, get_model("bone_inflammation"))


CONFIG_CASES = [
    ("unknown key", "seed: 1\nsynthetic:\n  n_per_grup: 3\n",
     "synthetic.n_per_grup: unknown key (did you mean 'n_per_group'?); expected one of n_per_group, parameters"),
    ("out of range", "seed: 1\nsynthetic:\n  n_per_group: 0\n",
     "synthetic.n_per_group: 0 is out of range; expected an integer >= 1 and <= 1000"),
    ("wrong type", "seed: 1\nsynthetic:\n  n_per_group: many\n",
     "synthetic.n_per_group: 'many' is a string, not an integer; expected an integer >= 1 and <= 1000"),
    ("negative cv", "seed: 1\nsynthetic:\n  noise_cv: {ctx: -0.2}\n",
     "synthetic.noise_cv.ctx: -0.2 is out of range; expected a number >= 0 and <= 5"),
    ("unknown noise observable", "seed: 1\nsynthetic:\n  noise_cv: {ctxx: 0.2}\n",
     "synthetic.noise_cv.ctxx: unknown key (did you mean 'ctx'?)"),
    ("unknown random effect", "seed: 1\nsynthetic:\n  random_effects_sd: {ctx: 0.2}\n",
     "synthetic.random_effects_sd.ctx: unknown key (did you mean 'ctx0'?)"),
    ("bad seed", "seed: -1\n", "seed: -1 is out of range; expected an integer >= 0"),
    ("unknown parameter", "seed: 1\nsynthetic:\n  parameters: {ctx00: 0.5}\n",
     "synthetic.parameters: model 'bone_inflammation' has no parameter 'ctx00' (did you mean 'ctx0'?)"),
    ("duplicate visits", "seed: 1\nsynthetic:\n  visits: {ctx: [0, 30, 30]}\n",
     "synthetic.visits.ctx: visit days [0.0, 30.0, 30.0] repeat a day"),
]


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_bad_synthetic_config(case, tmp_path, capsys):
    _, text, expected = case
    config = tmp_path / "config.yaml"
    config.write_text("model: bone_inflammation\n" + text)
    outdir = tmp_path / "results" / "data" / "synthetic"
    assert main(["make-synthetic", "--config", str(config), "--outdir", str(outdir)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("remodel-fit make-synthetic: error: ")
    assert expected in err, err
    assert "\n" not in err
    assert not outdir.exists()


def test_config_error_type():
    from remodel_fit.data.synthetic import make_cohort

    with pytest.raises(ConfigError, match="synthetic.duration_days: -1 is out of range"):
        make_cohort(get_model("bone_inflammation"), {"duration_days": -1}, seed=1)
