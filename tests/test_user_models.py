"""User models: the loader (file, module, entry point), its one-line errors, and a user model fitted
through the CLI and planned by the workflow (examples/user_model.py, examples/user_model.yaml)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata

import pytest
import yaml

from conftest import REPO
from remodel_fit import registry
from remodel_fit.cli import main
from remodel_fit.errors import ConfigError, ModelError
from remodel_fit.registry import get_model
from remodel_fit.settings import workflow_settings

SPEC = "examples/user_model.py:LOTKA_VOLTERRA"
GOOD = '''
import jax.numpy as jnp
from remodel_fit import Model
from remodel_fit.model.base import Observable, Parameter

def field(t, y, p, inputs):
    return {field}

DECAY = Model(name="decay", description="dy/dt = -k y", states=("y",), parameters=(Parameter("k", 0.1, "1/d", "rate"),
              Parameter("y0", 2.0, "1", "start")), vector_field=field, initial_state=lambda p, i: jnp.reshape(p["y0"], (1,)),
              observe=lambda t, y, y0, p, i: {{"y": y[0]}}, observables=(Observable("y", "1", "level"),){extra})
NOT_A_MODEL = 3
'''


def _file(tmp_path, field="-p['k'] * y", extra="", name="m.py"):
    path = tmp_path / name
    path.write_text(GOOD.format(field=field, extra=extra))
    return path


def test_file_module_and_builtin_specs_load(monkeypatch):
    monkeypatch.chdir(REPO)
    lv = get_model(SPEC)
    assert lv.name == "lotka_volterra" and lv.states == ("u", "v") and lv.observable_names == ("prey", "predator")
    assert get_model("remodel_fit.model.logistic:LOGISTIC") is get_model("logistic")


def test_entry_point_models_load_and_are_listed(monkeypatch, capsys):
    ep = metadata.EntryPoint("logistic_ep", "remodel_fit.model.logistic:LOGISTIC", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda: {ep.name: ep})
    registry._load.cache_clear()
    assert get_model("logistic_ep").name == "logistic"
    assert main(["models"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(registry.MODELS) + 1
    assert out[-1].startswith("logistic_ep ") and out[-1].endswith("[entry point remodel_fit.model.logistic:LOGISTIC]")


LOADER_ERRORS = [
    ("file missing", lambda t: "nowhere/model.py:M", "nowhere/model.py: model file not found"),
    ("attribute missing", lambda t: f"{_file(t)}:DECAYY", ": has no attribute 'DECAYY' (did you mean 'DECAY'?); Model values in it: DECAY"),
    ("not a Model", lambda t: f"{_file(t)}:NOT_A_MODEL", ":NOT_A_MODEL: is int, not a remodel_fit.Model"),
    ("import raises", lambda t: f"{_broken(t)}:DECAY", ": importing it raised ZeroDivisionError: division by zero"),
    ("field raises", lambda t: f"{_file(t, field='p[\"kk\"] * y')}:DECAY",
     "model 'decay' fails on its defaults (KeyError: 'kk')"),
    ("field shape", lambda t: f"{_file(t, field='jnp.stack([y[0], y[0]])')}:DECAY",
     "vector_field of model 'decay' has shape (2,), expected (1,) (one value per state y)"),
    ("no observables", lambda t: f"{_no_observables(t)}:DECAY", "model 'decay' has no observables"),
    ("module missing", lambda t: "no_such_pkg.models:M", "module no_such_pkg.models: not found"),
    ("unknown name", lambda t: "bone_inflamation", "unknown model 'bone_inflamation' (did you mean 'bone_inflammation'?)"),
    ("empty attribute", lambda t: "remodel_fit.model.logistic:", "expected path/to/file.py:NAME"),
]


def _broken(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("x = 1 / 0\n")
    return path


def _no_observables(tmp_path):
    path = _file(tmp_path, name="noobs.py")
    path.write_text(path.read_text().replace('observables=(Observable("y", "1", "level"),)', "observables=()"))
    return path


@pytest.mark.parametrize("case", LOADER_ERRORS, ids=[c[0] for c in LOADER_ERRORS])
def test_loader_errors_are_one_line(case, tmp_path):
    _, spec, expected = case
    spec = spec(tmp_path)
    with pytest.raises(ModelError) as err:
        get_model(spec)
    message = str(err.value)
    assert "\n" not in message and expected in message, message
    if ".py:" in spec and "nowhere" not in spec:
        assert message.startswith(spec.split(":")[0]), message  # names the file


def test_config_model_key_takes_specs_and_names_the_key(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    config = yaml.safe_load((REPO / "examples/user_model.yaml").read_text())
    assert workflow_settings(config).fit_model("lotka_volterra").name == "lotka_volterra"
    bad = {**config, "model": f"{_file(tmp_path, field='jnp.stack([y[0], y[0]])')}:DECAY"}
    with pytest.raises(ConfigError, match=r"^model: .*m\.py:DECAY: vector_field of model 'decay' has shape \(2,\)"):
        workflow_settings(bad)
    fits = {"lotka_volterra": {**config["fit"]["fits"]["lotka_volterra"], "model": "examples/user_model.py:LOTKA"}}
    with pytest.raises(ConfigError, match=r"^fit\.fits\.lotka_volterra\.model: examples/user_model\.py: has no "
                       r"attribute 'LOTKA'; Model values in it: LOTKA_VOLTERRA$"):
        workflow_settings({**config, "fit": {**config["fit"], "fits": fits}})


def test_user_model_fitted_through_the_cli_recovers_parameters(tmp_path, monkeypatch, capsys):
    """examples/user_model.yaml with a smaller NUTS budget: the posterior means of the rates lie within
    15 % of the values the data were simulated from (measured: within 5 % at 150 draws)."""
    import runpy

    import arviz as az

    monkeypatch.chdir(REPO)
    truth = runpy.run_path(str(REPO / "examples/user_model.py"))["TRUTH"]
    config = yaml.safe_load((REPO / "examples/user_model.yaml").read_text())
    config["fit"]["fits"]["lotka_volterra"]["nuts"].update(warmup=80, draws=60)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path / "idata.nc"
    assert main(["fit", "--config", str(path), "--fit", "lotka_volterra", "--out", str(out)]) == 0
    post = az.from_netcdf(out).posterior
    assert post.attrs["model"] == "lotka_volterra" and post.sizes["draw"] == 60
    for name in ("alpha", "beta", "gamma", "delta"):
        mean = float(post[name].mean())
        assert abs(mean / truth[name] - 1) < 0.15, (name, mean, truth[name])
    assert 0.03 < float(post["sigma_prey"].mean()) < 0.3  # data simulated with a log-sd of 0.1


def test_workflow_plans_the_user_model_fit(tmp_path):
    """Snakemake (dry run, in a copy of examples/) plans the fit and diagnosis of the user model from
    examples/user_model.yaml."""
    import shutil

    shutil.copytree(REPO / "examples", tmp_path / "examples")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--snakefile", str(REPO / "Snakefile"),
                          "--configfile", "examples/user_model.yaml", "--directory", str(tmp_path),
                          "results/diagnose/lotka_volterra/gates.json"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    text = run.stdout + run.stderr
    assert re.search(r"^fit\s+1$", text, flags=re.M) and re.search(r"^diagnose\s+1$", text, flags=re.M), text[-2000:]
    assert "--fit lotka_volterra --measurements examples/user_model_data.csv" in text, text[-2000:]
