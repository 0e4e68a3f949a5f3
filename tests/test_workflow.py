"""The Snakemake workflow end to end on the tiny .test/ config (a few minutes).

Runs in a temporary directory: every stage, then a no-op rerun, then a change to one config
section that must rerun only the rules reading it; and the SLURM profile dry-runs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import arviz as az
import pandas as pd
import pytest
import yaml

from conftest import REPO

SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def _snakemake(workdir: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [*SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(config), "--cores", "2", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1500)


def _planned_rules(output: str) -> set[str]:
    return set(re.findall(r"^rule (\w+):", output, flags=re.M)) | set(re.findall(r"^(\w+)\s+\d+$", output, flags=re.M)) - {"total"}


@pytest.fixture(scope="module")
def workflow_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e")
    config = workdir / "config.yaml"
    shutil.copy(REPO / ".test/config.yaml", config)
    run = _snakemake(workdir, config)
    assert run.returncode == 0, run.stderr[-3000:]
    return workdir, config


def test_every_stage_writes_its_results(workflow_run):
    workdir, _ = workflow_run
    results = workdir / "results"
    idata = az.from_netcdf(results / "fit/synthetic/idata.nc")
    for group in ("posterior", "prior", "sample_stats", "log_likelihood", "posterior_predictive",
                  "prior_predictive", "observed_data", "constant_data"):
        assert group in idata.children, group
    gates = json.loads((results / "diagnose/synthetic/gates.json").read_text())
    assert set(gates["gates"]) >= {"r_hat", "ess_bulk", "ess_tail", "divergences", "failed_solves"}
    assert gates["gates"]["failed_solves"]["value"] == 0
    sobol = pd.read_csv(results / "gsa/prior/sobol.csv")
    assert {"parameter", "output", "value"} <= set(sobol.columns) and len(sobol) > 0
    scenarios = pd.read_csv(results / "simulate/scenarios.csv")
    final = scenarios[(scenarios.quantity == "bmd_ls_rel")].groupby("scenario").value.last()
    assert final["inflamed"] < final["healthy"]
    for figure in ("data/overview.png", "diagnose/synthetic/ppc.png", "predict/synthetic/scenarios.png",
                   "gsa/posterior_synthetic/sobol_bars.png"):
        assert (results / figure).stat().st_size > 10_000, figure


def test_rerun_is_a_no_op(workflow_run):
    workdir, config = workflow_run
    dry = _snakemake(workdir, config, "-n")
    assert dry.returncode == 0
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_changing_one_section_reruns_only_its_rules(workflow_run, tmp_path):
    workdir, config = workflow_run
    changed = tmp_path / "config.yaml"
    data = yaml.safe_load(config.read_text())
    data["gsa"]["num_resamples"] = 30
    changed.write_text(yaml.safe_dump(data))
    dry = _snakemake(workdir, changed, "-n")
    assert dry.returncode == 0, dry.stderr[-2000:]
    planned = _planned_rules(dry.stdout + dry.stderr)
    assert {"gsa_prior", "gsa_posterior"} <= planned
    assert not planned & {"fit", "make_synthetic", "simulate_scenarios", "diagnose_scored", "predict"}


def test_slurm_profile_parses_and_dry_runs(tmp_path):
    pytest.importorskip("snakemake_executor_plugin_slurm")
    cmd = [*SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path),
           "--configfile", str(REPO / ".test/config.yaml"), "--profile", str(REPO / "profiles/slurm"), "-n"]
    dry = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert dry.returncode == 0, dry.stderr[-2000:]
    assert "fit" in _planned_rules(dry.stdout + dry.stderr)


def test_lint_is_clean():
    lint = subprocess.run([*SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--lint"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert "Lints for" not in lint.stdout + lint.stderr, (lint.stdout + lint.stderr)[-3000:]


@pytest.mark.parametrize("name, rules", [("arms", {"compare_arms", "fit"}), ("clinical", {"read_clinical", "fit"}),
                                         ("clinical_v2", {"read_clinical", "fit", "read_heldout", "heldout"})])
def test_shipped_configs_validate_and_plan(tmp_path, name, rules):
    """config/arms.yaml (three arm variants + PSIS-LOO) and config/clinical.yaml plan their rules."""
    import yaml

    clinical = (REPO / "../shared/data/clinical").resolve()
    if name.startswith("clinical") and not clinical.exists():
        pytest.skip("clinical data directory absent")
    config = yaml.safe_load((REPO / f"config/{name}.yaml").read_text())
    config["data"]["clinical_dir"] = str(clinical)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    cmd = [*SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path),
           "--configfile", str(path), "-n", "--cores", "1"]
    dry = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert dry.returncode == 0, dry.stderr[-2000:]
    assert rules <= _planned_rules(dry.stdout + dry.stderr), dry.stdout[-2000:]
    from remodel_fit.settings import load_settings

    slices = sorted((tmp_path / "results/config").glob("*.yaml"))
    assert slices
    for sliced in slices:  # what each rule's verb reads must validate (the heldout slice once lacked its data key)
        load_settings(sliced)


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def test_report_landing_page_in_a_browser(workflow_run, tmp_path):
    """The landing page opens in headless Chromium on the answer: gates, posterior table, PPC, LOO, Sobol'."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("headless Chromium is not installed (make browser installs Debian's chromium)")
    workdir, _ = workflow_run
    page = workdir / "results/report/index.html"
    assert page.stat().st_size > 20_000
    args = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*args, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    for element in ("id=\"gate-table\"", "id=\"posterior-table\"", "id=\"ppc-synthetic\"", "id=\"loo\"",
                    "id=\"sobol-table\"", "id=\"sobol-bars\""):
        assert element in dom, element
    assert dom.count("<figcaption>") >= 3
    assert 'class="pass"' in dom or 'class="fail"' in dom
    shot = workdir / "results/report/screenshot.png"
    subprocess.run([*args, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()], capture_output=True,
                   timeout=120)
    assert shot.stat().st_size > 20_000
