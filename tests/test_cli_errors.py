"""Malformed inputs to every verb: configs (YAML and values), netCDF files and options. Each exits
2 with one line naming the file/line/column or the key, no traceback, and nothing written."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import yaml

from conftest import REPO, set_key
from remodel_fit.cli import main

BASE = yaml.safe_load((REPO / ".test/config.yaml").read_text())


def _config(tmp_path, edit=None, text=None):
    path = tmp_path / "config.yaml"
    if text is not None:
        path.write_text(text)
        return path
    data = yaml.safe_load(yaml.safe_dump(BASE))
    if edit is not None:
        edit(data)
    path.write_text(yaml.safe_dump(data))
    return path


_set = set_key


def _drop(path: str):
    def edit(data):
        node = data
        *parents, last = path.split(".")
        for p in parents:
            node = node[p]
        del node[last]
    return edit


# (id, config edit or raw text, expected fragment of the one-line message)
CONFIG_CASES = [
    ("yaml syntax", "seed: 1\nsolver: {rtol: 1e-6\n", "line 3, column 1: not valid YAML"),
    ("yaml tab", "seed: 1\nsolver:\n\trtol: 1.0e-6\n", "line 3, column 1: not valid YAML"),
    ("top level list", "- seed\n- 1\n", "expected a mapping of sections at the top level, got list"),
    ("misspelt seed", "sede: 1\n", "sede: unknown key (did you mean 'seed'?)"),
    ("seed text", _set("seed", "abc"), "seed: 'abc' is a string, not an integer"),
    ("seed negative", _set("seed", -3), "seed: -3 is out of range; expected an integer >= 0"),
    ("seed missing", _drop("seed"), "seed: missing; expected an integer"),
    ("unknown model", _set("model", "bone_inflamation"), "model: unknown model 'bone_inflamation' (did you mean 'bone_inflammation'?)"),
    ("unknown solver", _set("solver.solver", "rk4"), "solver.solver: unknown value 'rk4'; expected one of tsit5"),
    ("rtol out of range", _set("solver.rtol", 2.0), "solver.rtol: 2.0 is out of range; expected a number > 0 and < 1"),
    ("misspelt solver key", _set("solver.rtoll", 1e-6), "solver.rtoll: unknown key (did you mean 'rtol'?)"),
    ("fused implicit", _set("solver.engine", "fused"), None),  # tsit5 is explicit: valid, placeholder replaced below
    ("max_steps zero", _set("solver.max_steps", 0), "solver.max_steps: 0 is out of range; expected an integer >= 1"),
    ("scenario unknown key", _set("scenarios.items.healthy", {"level": {}}), "scenarios.items.healthy.level: unknown key (did you mean 'levels'?)"),
    ("dose regimen incomplete", _set("scenarios.items.healthy", {"doses": {"denosumab_mg": {"start": 0}}}),
     "scenarios.items.healthy.doses.denosumab_mg: missing ['every', 'amount']"),
    ("negative level", _set("scenarios.items.healthy", {"levels": {"tnf": [[0, -1]]}}), "scenarios.items.healthy.levels.tnf.0.1: -1 is out of range"),
    ("n_times one", _set("scenarios.n_times", 1), "scenarios.n_times: 1 is out of range; expected an integer >= 2"),
    ("synthetic visits empty", _set("synthetic.visits", {"ctx": []}), "synthetic.visits.ctx: list should have at least 1 item"),
    ("data source", _set("data.source", "excel"), "data.source: unknown value 'excel'; expected one of synthetic, tables, clinical"),
    ("tables without file", _set("data.source", "tables"), "data.measurements: missing; data.source 'tables' needs a measurement table"),
    ("unknown fit key", _set("fit.fits.synthetic.priors", {}), "fit.fits.synthetic.priors: unknown key"),
    ("nuts chains zero", _set("fit.fits.synthetic.nuts.chains", 0), "fit.fits.synthetic.nuts.chains: 0 is out of range"),
    ("nuts misspelt", _set("fit.fits.synthetic.nuts.chians", 2), "fit.fits.synthetic.nuts.chians: unknown key (did you mean 'chains'?)"),
    ("target accept", _set("fit.fits.synthetic.nuts.target_accept", 1.5), "fit.fits.synthetic.nuts.target_accept: 1.5 is out of range"),
    ("prior family", _set("fit.fits.synthetic.free.ctx0", {"dist": "cauchy"}), "fit.fits.synthetic.free.ctx0.dist: unknown value 'cauchy'"),
    ("prior scale", _set("fit.fits.synthetic.free.ctx0", {"scale": -1}), "fit.fits.synthetic.free.ctx0.scale: -1 is out of range"),
    ("free unknown parameter", _set("fit.fits.synthetic.free.ctx00", {}), "fit.fits.synthetic.free.ctx00: model 'bone_inflammation' has no parameter 'ctx00' (did you mean 'ctx0'?)"),
    ("random effect on zero", _set("fit.fits.synthetic.random_effects.tnf_e_ocp", {}), "fit.fits.synthetic.random_effects.tnf_e_ocp: random effects are multiplicative (log scale): 'tnf_e_ocp' is not under fit.fits.synthetic.free and its population value 0.0 is not positive"),
    ("noise observable", _set("fit.fits.synthetic.noise.ctxx", {"scale": 0.2}), "fit.fits.synthetic.noise.ctxx: model 'bone_inflammation' has no observable 'ctxx'"),
    ("discrepancy text", _set("fit.fits.synthetic.discrepancy", "yes"), "fit.fits.synthetic.discrepancy: 'yes' is a string, not true or false"),
    ("gradient vs fused", _set("fit.fits.synthetic.nuts.gradient", "reverse"), None),
    ("fit solver key", _set("fit.fits.synthetic.solver", {"rtoll": 1e-6}), "fit.fits.synthetic.solver.rtoll: unknown key"),
    ("both free and fixed", _set("fit.fits.synthetic.fixed", {"ctx0": 0.4}), "fit.fits.synthetic: parameter 'ctx0' is both free and fixed"),
    ("arms unknown", _set("fit.fits.synthetic.arms", ["rankl", "bone"]), "fit.fits.synthetic.arms must be a list of arms"),
    ("gsa n not power of two", _set("gsa.n", 12), "gsa.n: n must be a power of 2"),
    ("gsa range reversed", _set("gsa.parameters", {"tnf_level": [60, 5]}), "gsa.parameters: tnf_level: expected [low, high] with low < high"),
    ("gsa solver", _set("gsa.solver", {"solver": "euler"}), "gsa.solver.solver: unknown value 'euler'"),
    ("gsa policy", _set("gsa.failure_policy", "ignore"), "gsa.failure_policy: unknown value 'ignore'; expected one of fail, exclude"),
    ("gsa quantiles", _set("gsa.posterior_quantiles", [0.9, 0.1]), "gsa.posterior_quantiles: expected 0 <= low < high <= 1"),
    ("diagnose rhat", _set("diagnose.rhat_max", 0.9), "diagnose.rhat_max: 0.9 is out of range; expected a number >= 1 and <= 2"),
    ("predict draws", _set("fit.predict.draws", 0), "fit.predict.draws: 0 is out of range"),
    ("heldout without arms", _set("fit.heldout.fits", ["synthetic"]), "fit.heldout.fits: no held-out arms; set data.heldout_pattern"),
    ("heldout fit unknown", lambda d: (_set("fit.heldout.fits", ["nope"])(d), _set("data.heldout_pattern", ["x_*"])(d)),
     "fit.heldout.fits.0: no fit 'nope' under fit.fits"),
    ("heldout arm also fitted", lambda d: (_set("data.clinical_pattern", ["a_*"])(d), _set("data.heldout_pattern", ["a_*"])(d)),
     "data.heldout_pattern: 'a_*' is also in data.clinical_pattern; held-out arms are never fitted"),
    ("heldout level", _set("fit.heldout.level", 1.5), "fit.heldout.level: 1.5 is out of range"),
    ("sbc replicates", _set("fit.sbc.replicates", "many"), "fit.sbc.replicates: 'many' is a string, not an integer"),
]
CONFIG_CASES = [c for c in CONFIG_CASES if c[2] is not None] + [
    ("gradient reverse with fused", lambda d: (_set("fit.fits.synthetic.nuts.gradient", "reverse")(d),
                                               _set("fit.fits.synthetic.solver", {"engine": "fused"})(d)),
     "fit.fits.synthetic: nuts.gradient 'reverse' cannot differentiate solver engine 'fused'"),
]
VERBS = {  # every config-reading verb, with its other arguments
    "simulate": lambda tmp: ["--outdir", str(tmp / "out")],
    "make-synthetic": lambda tmp: ["--outdir", str(tmp / "out")],
    "fit": lambda tmp: ["--fit", "synthetic", "--out", str(tmp / "out" / "idata.nc")],
    "gsa": lambda tmp: ["--outdir", str(tmp / "out")],
}


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_malformed_config(case, tmp_path, capsys):
    name, edit, expected = case
    config = _config(tmp_path, text=edit) if isinstance(edit, str) else _config(tmp_path, edit)
    verb = list(VERBS)[CONFIG_CASES.index(case) % len(VERBS)]  # spread the cases over the verbs
    assert main([verb, "--config", str(config), *VERBS[verb](tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith(f"remodel-fit {verb}: error: "), err
    assert expected in err, err
    assert not (tmp_path / "out").exists()


def test_at_least_40_config_cases():
    assert len(CONFIG_CASES) >= 40


def test_the_yaml_only_check_names_line_and_column_and_imports_no_jax(tmp_path):
    """`make run`'s first step: YAML syntax alone, one line, and light (JAX stays unimported)."""
    bad, good = tmp_path / "bad.yaml", tmp_path / "good.yaml"
    bad.write_text("seed: 1\nsolver: {rtol: 1e-6\n")
    good.write_text((REPO / "config" / "config.yaml").read_text())
    code = ("import sys; from remodel_fit.cli import main; code = main(sys.argv[1:]); "
            "print('jax imported' if 'jax' in sys.modules else 'no jax'); sys.exit(code)")
    runs = {p: subprocess.run([sys.executable, "-c", code, "validate", "--yaml-only", "--config", str(p)],
                              capture_output=True, text=True, timeout=120) for p in (bad, good)}
    assert runs[bad].returncode == 2 and runs[bad].stderr.strip().count("\n") == 0, runs[bad].stderr
    assert f"{bad}: line 3, column 1: not valid YAML" in runs[bad].stderr
    assert runs[good].returncode == 0 and "valid YAML" in runs[good].stdout, runs[good].stderr
    assert runs[good].stdout.strip().endswith("no jax")


@pytest.fixture(scope="module")
def netcdf_cases(tmp_path_factory):
    import arviz as az

    root = tmp_path_factory.mktemp("nc")
    idata = az.from_dict({"posterior": {"a": np.random.default_rng(0).normal(size=(2, 50))}})
    good = root / "good.nc"
    idata.to_netcdf(str(good))
    (root / "truncated.nc").write_bytes(good.read_bytes()[: len(good.read_bytes()) // 3])
    (root / "empty.nc").write_bytes(b"")
    (root / "text.nc").write_text("not a netCDF file\n")
    az.from_dict({"observed_data": {"y": np.ones(3)}}).to_netcdf(str(root / "no_posterior.nc"))
    return root


NC_CASES = [
    ("truncated.nc", "not a readable netCDF file"),
    ("empty.nc", "not a readable netCDF file"),
    ("text.nc", "not a readable netCDF file"),
    ("missing.nc", "file not found"),
    ("no_posterior.nc", "has no posterior group"),
]


@pytest.mark.parametrize("verb", ["diagnose", "predict", "compare", "gsa", "heldout"])
@pytest.mark.parametrize("case", NC_CASES, ids=[c[0] for c in NC_CASES])
def test_bad_netcdf(netcdf_cases, case, verb, tmp_path, capsys):
    name, expected = case
    nc = str(netcdf_cases / name)
    out = str(tmp_path / "out")
    config = str(_config(tmp_path))
    argv = {"diagnose": ["diagnose", "--idata", nc, "--outdir", out],
            "predict": ["predict", "--config", config, "--idata", nc, "--outdir", out],
            "compare": ["compare", "--idata", nc, nc, "--names", "a", "b", "--outdir", out],
            "gsa": ["gsa", "--config", config, "--posterior", nc, "--outdir", out],
            "heldout": ["heldout", "--config", config, "--fit", "synthetic", "--idata", nc,
                        "--measurements", config, "--outdir", out]}[verb]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert f"{name}: {expected}" in err, err
    assert not (tmp_path / "out").exists()


OPTION_CASES = [
    (["steady-state", "--model", "pivonka"], "unknown model 'pivonka'"),
    (["steady-state", "--set", "beta_PTH"], "--set 'beta_PTH': expected PARAM=VALUE"),
    (["steady-state", "--set", "beta_PTH=high"], "--set 'beta_PTH=high': value 'high' is not a number"),
    (["steady-state", "--set", "beta_PTX=3"], "has no parameter 'beta_PTX' (did you mean 'beta_PTH'?)"),
    (["steady-state", "--model", "pivonka2008", "--set", "A_OCa=-1"], "parameter 'A_OCa' of model 'pivonka2008' must be > 0"),
    (["models", "--parameters", "lemaire"], "unknown model 'lemaire'"),
    (["validate", "--measurements", "MISSING.csv"], "MISSING.csv: file not found"),
    (["validate", "--measurements", "MISSING.csv", "--model", "nope"], "--model: unknown model 'nope'"),
    (["plot-data", "--measurements", "MISSING.csv", "--out", "OUT/x.png"], "MISSING.csv: file not found"),
    (["fit", "--config", "CONFIG", "--fit", "nonexistent", "--out", "OUT/i.nc"], "fit.fits has no fit 'nonexistent'; known: synthetic"),
    (["fit", "--config", "CONFIG", "--fit", "synthetic", "--measurements", "MISSING.csv", "--out", "OUT/i.nc"], "MISSING.csv: file not found"),
    (["simulate", "--config", "CONFIG", "--only", "flu", "--outdir", "OUT"], "--only 'flu': not in scenarios.items"),
    (["simulate", "--config", "MISSING.yaml", "--outdir", "OUT"], "MISSING.yaml: config file not found"),
    (["read-clinical", "--clinical-dir", "MISSING_DIR", "--outdir", "OUT"], "clinical directory not found"),
]


@pytest.mark.parametrize("case", OPTION_CASES, ids=[" ".join(c[0][:3]) for c in OPTION_CASES])
def test_bad_option(case, tmp_path, capsys, monkeypatch):
    argv, expected = case
    monkeypatch.chdir(tmp_path)
    config = str(_config(tmp_path))
    argv = [config if a == "CONFIG" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert expected in err, err
    assert not (tmp_path / "OUT").exists()


def test_version_and_help_per_verb(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("remodel-fit ")
    from remodel_fit.cli import build_parser

    parser = build_parser()
    verbs = parser._subparsers._group_actions[0].choices
    for name, sub in verbs.items():
        assert "example: remodel-fit" in (sub.epilog or ""), name
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.option_strings} has no help text"


def test_a_closed_pipe_is_not_a_traceback(tmp_path):
    run = subprocess.run(f"{sys.executable} -m remodel_fit models --json | head -c 10", shell=True,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr


def test_sigterm_ends_a_verb_promptly_even_while_jax_compiles(tmp_path):
    """SIGTERM in the middle of the default prior GSA (minutes of compiling and solving, deep in XLA)
    exits 143 within seconds, and nothing is written."""
    import signal
    import time

    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from remodel_fit.cli import main; sys.exit(main())",
                             "gsa", "--config", str(REPO / "config/config.yaml"), "--outdir", str(out)],
                            stderr=subprocess.PIPE, text=True, cwd=REPO)
    time.sleep(20)  # imports done (seconds, longer under load); building the design, compiling or solving
    assert proc.poll() is None, proc.stderr.read()
    sent = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=60)
    waited = time.perf_counter() - sent
    assert code == 143 and waited < 10, (code, waited, proc.stderr.read())
    assert "terminated (SIGTERM)" in proc.stderr.read()
    assert not out.exists() or not any(out.iterdir())


def test_a_termination_removes_the_temporaries_of_writes_in_progress(tmp_path):
    from remodel_fit import io

    with pytest.raises(FileNotFoundError):  # the write cannot complete once its temporary is gone
        with io.atomic_path(tmp_path / "a.csv") as tmp:
            tmp.write_text("half")
            assert str(tmp) in io.ACTIVE_TEMPORARIES
            io.remove_temporaries()
            assert not tmp.exists() and not io.ACTIVE_TEMPORARIES
    assert list(tmp_path.iterdir()) == []
