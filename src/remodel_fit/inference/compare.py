"""Model comparison by PSIS-LOO between fits (e.g. cytokine-arm variants rankl / rankl_opg / rankl_opg_ob).

Two units of "leaving out": a *subject* (its whole series; the marginal subject effects
integrated out: how well a fit predicts a new patient, the question for a hierarchical model)
or a single *measurement* (conditional on its subject's effects). All fits must share one
dataset (same observed ``y``), or LOO values are not comparable.

The fit file keeps the subject unit in ``log_likelihood`` (``y_subject``, what ``az.loo`` uses by
default) and the measurement unit in ``log_likelihood_measurement`` (``y``); files of earlier
versions kept both in ``log_likelihood`` and are read as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from ..errors import DataError

UNITS = {"subject": ("log_likelihood", "y_subject"), "measurement": ("log_likelihood_measurement", "y")}
"""Unit left out -> (group, variable) of the log-likelihood in the fit file."""
PARETO_K_LIMIT = 0.7


def loo_view(idata: xr.DataTree, unit: str, name: str = "fit") -> xr.DataTree:
    """The fit with the log-likelihood of ``unit`` as its only ``log_likelihood`` variable (``az.loo`` input)."""
    group, var = UNITS[unit]
    if group in idata.children and var in idata[group]:
        source = idata[group].to_dataset()[[var]]
    elif var in idata.get("log_likelihood", xr.DataTree()).data_vars:  # a file of an earlier version
        source = idata["log_likelihood"].to_dataset()[[var]]
    else:
        raise DataError(f"fit {name!r} has no {unit}-level log-likelihood ({group}.{var}); refit it")
    view = idata.copy()
    view["log_likelihood"] = source
    return view


def compare_fits(fits: Mapping[str, xr.DataTree], unit: str = "subject") -> pd.DataFrame:
    """``az.compare`` (PSIS-LOO, stacking weights) as a tidy table: ``model``, ``unit``, ``elpd_loo``,
    ``p_loo``, ``elpd_diff`` (>= 0, to the best), ``dse``, ``weight``, Pareto-k counts."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {list(UNITS)}, got {unit!r}")
    names = list(fits)
    ref = np.asarray(fits[names[0]].observed_data["y"].values)
    for name in names:
        other = np.asarray(fits[name].observed_data["y"].values)
        if other.shape != ref.shape or not np.allclose(other, ref):
            raise DataError(f"fit {name!r} was fitted to other data than {names[0]!r}: LOO values are not comparable")
    views = {n: loo_view(fits[n], unit, n) for n in names}
    var = UNITS[unit][1]
    table = pd.DataFrame(az.compare(views, var_name=var, round_to="none"))
    table = table.reset_index().rename(columns={"index": "model", "elpd": "elpd_loo", "p": "p_loo"})
    table["elpd_diff"] = -table["elpd_diff"]  # ArviZ 1.x reports elpd - elpd_best (<= 0)
    bad = {n: int(np.sum(np.asarray(az.loo(views[n], pointwise=True, var_name=var).pareto_k) > PARETO_K_LIMIT))
           for n in names}
    table["pareto_k_gt_0_7"] = table["model"].map(bad)
    table.insert(1, "unit", unit)
    table.insert(2, "n_points", int(views[names[0]]["log_likelihood"][var].shape[-1]))
    return table


def compare_all_units(fits: Mapping[str, xr.DataTree], units: Sequence[str] = tuple(UNITS)) -> pd.DataFrame:
    """:func:`compare_fits` for each unit, stacked (``unit`` column)."""
    return pd.concat([compare_fits(fits, unit) for unit in units], ignore_index=True)
