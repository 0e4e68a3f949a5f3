"""NUTS fits of a PEtab problem: a tiny-budget fit of Perelson_Science1996 (the cheapest benchmark
problem, read in place; skipped when absent) through the library and through the CLI, checked for
what the fit file must hold (bounds, the log density NUTS sampled, its gradient, PSIS-LOO); one-line
errors for bad inputs; the workflow planning a PEtab fit and naming the key of a missing file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import REPO

pytest.importorskip("petab")
pytest.importorskip("libsbml")
pytest.importorskip("sbmlmath")

from test_petab import _write_problem  # noqa: E402  (the one-species problem)

BENCHMARK = REPO.parent / "shared/data/petab-benchmark"
NAME = "Perelson_Science1996"
SOLVER = {"solver": "tsit5", "rtol": 1e-6, "atol": 1e-8}  # the cheapest compile (the shipped config: rodas4p)
NUTS = {"chains": 2, "warmup": 60, "draws": 50, "chain_method": "sequential", "max_tree_depth": 6,
        "predictive_draws": 40}


def _problem_path() -> Path:
    path = BENCHMARK / NAME / f"{NAME}.yaml"
    if not path.is_file():
        pytest.skip(f"benchmark problem {path} is absent")
    return path


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """(problem, fit file as written and read back, its path) of one tiny library fit."""
    import arviz as az

    from remodel_fit.inference import NutsOptions, write_idata
    from remodel_fit.petab import PetabFitOptions, SolverOptions, fit_problem, load_problem

    problem = load_problem(_problem_path())
    options = PetabFitOptions(name="perelson", nuts=NutsOptions(**NUTS), solver=SolverOptions(**SOLVER), seed=7)
    idata = fit_problem(problem, options)
    path = tmp_path_factory.mktemp("petab_fit") / "idata.nc"
    write_idata(idata, path)
    return problem, az.from_netcdf(path), path


def test_the_fit_file_holds_every_group_with_units_and_provenance(fitted):
    import xarray as xr

    problem, idata, path = fitted
    for group in ("posterior", "prior", "sample_stats", "log_likelihood", "posterior_predictive", "observed_data",
                  "constant_data"):
        assert group in idata.children, group
    assert set(idata.posterior.data_vars) == set(problem.estimated_ids)
    for name, da in idata.posterior.data_vars.items():
        assert da.attrs["units"] and da.attrs["description"] and da.attrs["parameter_scale"] == "log10", name
    assert idata.attrs["fit_name"] == "perelson" and int(idata.attrs["seed"]) == 7
    assert idata.attrs["model"] == f"petab:{NAME}" and len(idata.attrs["petab_sha256"]) == 64
    assert idata.log_likelihood["y"].shape == (2, 50, problem.n_measurements)
    assert set(idata.observed_data["y"].coords) >= {"subject", "group", "time", "observable"}
    assert {"diverging", "lp", "failed_solves", "tree_depth"} <= set(idata.sample_stats.data_vars)
    assert int(idata.sample_stats["failed_solves"].sum()) == 0
    xr.open_datatree(path, engine="h5netcdf").close()


def test_posterior_and_prior_draws_lie_within_the_bounds_on_the_parameter_scale(fitted):
    _, idata, _ = fitted
    bounds = idata.constant_data
    for group in ("posterior", "prior"):
        for name, da in idata[group].data_vars.items():
            lo, hi = (float(bounds[b].sel(parameter=name)) for b in ("lower", "upper"))
            assert lo <= float(da.min()) and float(da.max()) <= hi, (group, name)


def test_the_sampled_log_density_is_prior_plus_petab_likelihood(fitted):
    """sample_stats.lp (minus NUTS's potential) = objective prior + PEtab llh (the per-measurement
    log-likelihood summed) + log|dx/dz| of the bounds' transform, at draws of both chains; and that sum
    is PEtab's log-likelihood computed afresh."""
    import jax.numpy as jnp
    from numpyro import distributions as dist

    from remodel_fit.petab import SolverOptions, log_likelihood, log_prior, to_linear
    from remodel_fit.petab.objective_priors import scaled_bounds

    problem, idata, _ = fitted
    lower, upper = scaled_bounds(problem)
    for chain, draw in ((0, 0), (0, 49), (1, 17)):
        x = jnp.asarray([float(idata.posterior[p].values[chain, draw]) for p in problem.estimated_ids])
        jacobian = 0.0
        for xj, lo, hi in zip(x, lower, upper):
            t = dist.biject_to(dist.constraints.interval(lo, hi))
            jacobian += float(t.log_abs_det_jacobian(t.inv(xj), xj))
        llh = float(idata.log_likelihood["y"].values[chain, draw].sum())
        expected = float(log_prior(problem, x)) + llh + jacobian
        assert float(idata.sample_stats["lp"].values[chain, draw]) == pytest.approx(expected, abs=1e-6)
    theta = np.asarray(to_linear(problem, x))
    assert log_likelihood(problem, theta, opts=SolverOptions(**SOLVER)) == pytest.approx(llh, abs=1e-8)


def test_the_gradient_of_the_potential_matches_finite_differences(tmp_path):
    """NUTS's potential (unconstrained space: bounds' transforms, objective priors, PEtab llh through the
    custom VJP) against central differences, on the one-species problem (a log10, a lin and a log parameter)."""
    import jax
    import jax.numpy as jnp
    from numpyro.infer.util import potential_energy

    from remodel_fit.petab import SolverOptions, load_problem
    from remodel_fit.petab.fit import PetabPosterior

    problem = load_problem(_write_problem(tmp_path))
    z = jnp.asarray([0.3, -0.2, 0.1])  # unconstrained: k, scale_a, sigma inside their bounds
    for mode in ("forward", "reverse"):
        posterior = PetabPosterior(problem, SolverOptions(solver="tsit5", rtol=1e-10, atol=1e-12, mode=mode))
        potential = jax.jit(jax.value_and_grad(
            lambda v, posterior=posterior: potential_energy(posterior, (), {}, dict(zip(posterior.ids, v)))))
        value, gradient = potential(z)
        h = 1e-5
        numeric = np.array([(float(potential(z + h * e)[0]) - float(potential(z - h * e)[0])) / (2 * h)
                            for e in np.eye(z.size)])
        assert np.isfinite(float(value))
        np.testing.assert_allclose(np.asarray(gradient), numeric, rtol=1e-5, atol=1e-7)


def test_psis_loo_runs_on_the_fit_file(fitted):
    import arviz as az

    problem, idata, _ = fitted
    loo = az.loo(idata, pointwise=True)
    assert np.isfinite(float(loo.elpd)) and np.asarray(loo.pareto_k).shape == (problem.n_measurements,)


def test_diagnose_reads_the_fit_file_unchanged(fitted, tmp_path):
    import json

    from remodel_fit.cli import main

    _, _, path = fitted
    assert main(["diagnose", "--idata", str(path), "--outdir", str(tmp_path / "d"), "--no-figures"]) == 0
    gates = json.loads((tmp_path / "d/gates.json").read_text())
    assert gates["gates"]["failed_solves"]["value"] == 0 and gates["n_draws"] == 50


# ------------------------------------------------------------------ the CLI and the config
def _config(tmp: Path, fit: dict, **top) -> Path:
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump({"seed": 11, **top, "fit": {"fits": {"perelson": fit}}}))
    return path


def _cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    code = "import sys; from remodel_fit.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600, cwd=cwd)


@pytest.mark.slow  # ~50 s: a second NUTS compile; the library fit above covers the sampler
def test_cli_fits_a_configured_petab_problem(tmp_path):
    import arviz as az

    config = _config(tmp_path, {"petab": str(_problem_path()), "solver": SOLVER, "nuts": {**NUTS, "warmup": 40, "draws": 30}})
    out = tmp_path / "fit/perelson/idata.nc"
    run = _cli("fit", "--config", str(config), "--fit", "perelson", "--out", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    assert "fit perelson: 2 chains x 30 draws" in run.stdout
    idata = az.from_netcdf(out)
    assert idata.attrs["fit_name"] == "perelson" and int(idata.attrs["seed"]) == 11
    assert idata.posterior.sizes["draw"] == 30 and "log_likelihood" in idata.children


def _main_error(argv: list[str], capsys) -> str:
    from remodel_fit.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


def test_a_missing_problem_file_is_one_line_naming_the_key_or_option(tmp_path, capsys):
    out = tmp_path / "out/idata.nc"
    err = _main_error(["fit", "--petab", str(tmp_path / "nope.yaml"), "--out", str(out)], capsys)
    assert "--petab" in err and "nope.yaml does not exist" in err
    config = _config(tmp_path, {"petab": str(tmp_path / "gone.yaml")})
    err = _main_error(["fit", "--config", str(config), "--fit", "perelson", "--out", str(out)], capsys)
    assert "fit.fits.perelson.petab" in err and "gone.yaml does not exist" in err
    err = _main_error(["validate", "--config", str(config)], capsys)
    assert "fit.fits.perelson.petab" in err and "gone.yaml does not exist" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("fit", "expected"), [
    ({"model": "bone_inflammation"}, "fit.fits.perelson: petab and model are exclusive"),
    ({"data": {"source": "synthetic"}}, "fit.fits.perelson: petab and data are exclusive"),
    ({"free": {"c": {}}}, "fit.fits.perelson: petab and free are exclusive"),
    ({"petab_file": "x.yaml"}, "fit.fits.perelson.petab_file: unknown key (did you mean 'petab'?)"),
    ({"solver": {"solver": "dopri5"}}, "fit.fits.perelson.solver.solver: unknown value 'dopri5'"),
    ({"solver": {"mode": "forward"}}, "fit.fits.perelson.solver.mode: not a setting of a fit"),
])
def test_bad_petab_fit_settings_are_one_line_naming_the_key(tmp_path, capsys, fit, expected):
    problem = _write_problem(tmp_path)
    config = _config(tmp_path, {"petab": str(problem), **fit})
    err = _main_error(["fit", "--config", str(config), "--fit", "perelson", "--out", str(tmp_path / "o/i.nc")], capsys)
    assert expected in err, err
    assert not (tmp_path / "o").exists()


def test_a_petab_fit_has_no_model_for_the_model_verbs(tmp_path):
    from remodel_fit.errors import ConfigError
    from remodel_fit.settings import load_settings

    config = load_settings(_config(tmp_path, {"petab": str(_write_problem(tmp_path))}))
    with pytest.raises(ConfigError, match="fit.fits.perelson is a PEtab fit"):
        config.fit_model("perelson")
    assert config.fit_tables("perelson") == {}


# ------------------------------------------------------------------ the workflow
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")]


def test_the_workflow_plans_fit_and_diagnose_of_the_shipped_petab_config(tmp_path):
    data = yaml.safe_load((REPO / "config/petab.yaml").read_text())
    for fit in data["fit"]["fits"].values():
        fit["petab"] = str((REPO / fit["petab"]).resolve())
        if not Path(fit["petab"]).is_file():
            pytest.skip(f"benchmark problem {fit['petab']} is absent")
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(data))
    dry = subprocess.run([*SNAKEMAKE, "--directory", str(tmp_path), "--configfile", str(config), "-n", "--cores", "1"],
                         capture_output=True, text=True, timeout=300)
    assert dry.returncode == 0, dry.stderr[-2000:]
    planned = dry.stdout + dry.stderr
    for rule in ("fit", "diagnose", "report"):
        assert f"rule {rule}:" in planned or f"\n{rule} " in planned, planned[-2000:]
    for absent in ("gsa", "simulate", "predict", "make_synthetic"):
        assert f"rule {absent}:" not in planned, absent


def test_the_workflow_names_the_key_of_a_missing_problem_table(tmp_path):
    problem = _write_problem(tmp_path)
    (tmp_path / "measurements.tsv").unlink()
    config = _config(tmp_path, {"petab": str(problem)})
    dry = subprocess.run([*SNAKEMAKE, "--directory", str(tmp_path), "--configfile", str(config), "-n", "--cores", "1"],
                         capture_output=True, text=True, timeout=300)
    assert dry.returncode != 0
    assert "fit.fits.perelson.petab (measurement_files of problem.yaml)" in dry.stderr, dry.stderr[-2000:]
    assert "measurements.tsv does not exist" in dry.stderr
