"""Every example runs (tiny budgets), as NumPyro's test_examples does."""

from __future__ import annotations

import runpy

import arviz as az

from conftest import REPO


def test_fit_logistic_example(tmp_path, capsys):
    module = runpy.run_path(str(REPO / "examples/fit_logistic.py"))
    out = tmp_path / "logistic.nc"
    assert module["main"](str(out), "30") == 0
    idata = az.from_netcdf(out)
    assert {"r", "K", "N0", "K_sd", "sigma_N"} <= set(idata.posterior.data_vars)
    assert idata.posterior.sizes["draw"] == 30 and idata.posterior.sizes["chain"] == 2
    assert "truth:" in capsys.readouterr().out
