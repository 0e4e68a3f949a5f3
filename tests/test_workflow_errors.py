"""Malformed workflow configs: `snakemake -n` exits non-zero with one line naming the key and what
was expected, no traceback, and nothing written in results/; `remodel-fit validate --config` (what
`make run` runs first) gives the same line, and the file, line and column of a YAML syntax error
(which Snakemake parses itself, before the workflow's code runs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, set_key

BASE = yaml.safe_load((REPO / ".test/config.yaml").read_text())


_set = set_key


def _tables(measurements: str, conditions: str | None = None):
    def edit(data):
        data["data"] = {"source": "tables", "measurements": measurements, **({"conditions": conditions} if conditions else {})}
        data["fit"]["fits"]["synthetic"]["data"] = {"measurements": measurements}
    return edit


# (id, config edit or raw YAML text, expected fragment of the one error line)
CASES = [
    ("unknown top-level key", _set("sede", 1), "sede: unknown key (did you mean 'seed'?)"),
    ("seed text", _set("seed", "abc"), "seed: 'abc' is a string, not an integer"),
    ("unknown model", _set("model", "bone_inflamation"), "model: unknown model 'bone_inflamation'"),
    ("solver name", _set("solver.solver", "rk4"), "solver.solver: unknown value 'rk4'"),
    ("solver key", _set("solver.rtoll", 1e-6), "solver.rtoll: unknown key (did you mean 'rtol'?)"),
    ("scenario key", _set("scenarios.items.healthy", {"level": {}}), "scenarios.items.healthy.level: unknown key"),
    ("data source", _set("data.source", "excel"), "data.source: unknown value 'excel'"),
    ("missing measurement table", _tables("no/such/measurements.csv"),
     "data.measurements: no/such/measurements.csv does not exist"),
    ("tables without a file", _set("data.source", "tables"), "data.measurements: missing"),
    ("missing clinical dir", lambda d: (_set("data.source", "clinical")(d), _set("data.clinical_dir", "/no/such/clinical")(d)),
     "data.clinical_dir: /no/such/clinical does not exist"),
    ("old top-level clinical_dir", _set("clinical_dir", "../shared/data/clinical"), "clinical_dir: unknown key"),
    ("fit table missing", _set("fit.fits.synthetic.data", {"measurements": "no/such/m.csv"}),
     "fit.fits.synthetic.data.measurements: no/such/m.csv does not exist"),
    ("fit key", _set("fit.fits.synthetic.priors", {}), "fit.fits.synthetic.priors: unknown key"),
    ("nuts chains zero", _set("fit.fits.synthetic.nuts.chains", 0), "fit.fits.synthetic.nuts.chains: 0 is out of range"),
    ("free parameter", _set("fit.fits.synthetic.free.ctx00", {}), "has no parameter 'ctx00' (did you mean 'ctx0'?)"),
    ("discrepancy text", _set("fit.fits.synthetic.discrepancy", "yes"), "'yes' is a string, not true or false"),
    ("compare unknown fit", _set("fit.compare.fits", ["synthetic", "nosuch"]), "fit.compare.fits"),
    ("gsa n", _set("gsa.n", 12), "gsa.n: n must be a power of 2"),
    ("gsa onset", _set("gsa.onset_days", -5), "gsa.onset_days: -5 is out of range"),
    ("diagnose truth key", _set("diagnose.truth", {"nosuch": "x.json"}), "diagnose.truth.nosuch"),
    ("predict draws", _set("fit.predict.draws", 0), "fit.predict.draws: 0 is out of range"),
]


def _config(tmp_path: Path, edit) -> Path:
    path = tmp_path / "config.yaml"
    if isinstance(edit, str):
        path.write_text(edit)
    else:
        data = yaml.safe_load(yaml.safe_dump(BASE))
        edit(data)
        path.write_text(yaml.safe_dump(data))
    return path


def test_yaml_syntax_error_names_line_and_column(tmp_path, capsys):
    from remodel_fit.cli import main

    config = _config(tmp_path, "seed: 1\nsolver: {rtol: 1e-6\n")
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{config}: line 3, column 1: not valid YAML" in err, err
    run = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory",
                          str(tmp_path), "--configfile", str(config), "-n"], capture_output=True, text=True, timeout=300)
    assert run.returncode != 0 and "Traceback" not in run.stderr + run.stdout


def test_at_least_15_cases():
    assert len(CASES) >= 15


def _dry_run(workdir: Path, config: Path) -> str:
    """The workflow's exit message of a dry run in this process (what the snakemake command prints as its
    last stderr line before exiting 1): loading the workflow once per case, without a new interpreter."""
    from snakemake.cli import main as snakemake_main

    try:
        snakemake_main(["--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir), "--configfile",
                        str(config), "--cores", "1", "-n", "--quiet"])
    except SystemExit as done:
        return done.code if isinstance(done.code, str) else f"exit {done.code}"
    return "exit 0"


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_malformed_workflow_config(case, tmp_path, monkeypatch):
    name, edit, expected = case
    workdir = tmp_path / "run"
    workdir.mkdir()
    monkeypatch.chdir(REPO)
    config = _config(tmp_path, edit)
    message = _dry_run(workdir, config)
    assert "\n" not in message and message.startswith(f"remodel-fit workflow: error: {config}: "), message
    assert expected in message, message
    assert not (workdir / "results").exists() or not any((workdir / "results").rglob("*.*"))


@pytest.mark.parametrize("case", [c for c in CASES if c[0] in ("unknown top-level key", "missing measurement table")],
                         ids=["unknown top-level key", "missing measurement table"])
def test_the_snakemake_command_prints_the_one_line(case, tmp_path):
    """As a user runs it: exit 1, the line on the terminal (stderr), no traceback."""
    config = _config(tmp_path, case[1])
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path),
           "--configfile", str(config), "--cores", "1", "-n"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.stderr.strip().splitlines()[-1] == f"remodel-fit workflow: error: {config}: " + run.stderr.split(
        f"{config}: ", 1)[1].strip().splitlines()[0]
    assert case[2] in run.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_validate_config_gives_the_same_line(case, tmp_path, capsys, monkeypatch):
    from remodel_fit.cli import main

    monkeypatch.chdir(REPO)
    config = _config(tmp_path, case[1])
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and case[2] in err, err
