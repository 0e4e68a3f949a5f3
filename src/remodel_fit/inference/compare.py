"""Model comparison by PSIS-LOO between fits (e.g. cytokine-arm variants rankl / rankl_opg / rankl_opg_ob).

Two units of "leaving out": a *subject* (its whole series; the marginal subject effects
integrated out: how well a fit predicts a new patient, the question for a hierarchical model)
or a single *measurement* (conditional on its subject's effects). All fits must share one
dataset (same observed ``y``), or LOO values are not comparable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import arviz as az
import numpy as np
import pandas as pd

from ..errors import DataError

UNITS = {"subject": "y_subject", "measurement": "y"}
"""Unit left out -> variable of the ``log_likelihood`` group."""


def compare_fits(fits: Mapping[str, az.InferenceData], unit: str = "subject") -> pd.DataFrame:
    """``az.compare`` (PSIS-LOO, stacking weights) as a tidy table: ``model``, ``unit``, Pareto-k counts."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {list(UNITS)}, got {unit!r}")
    var = UNITS[unit]
    names = list(fits)
    ref = np.asarray(fits[names[0]].observed_data["y"].values)
    for name in names:
        other = np.asarray(fits[name].observed_data["y"].values)
        if other.shape != ref.shape or not np.allclose(other, ref):
            raise DataError(f"fit {name!r} was fitted to other data than {names[0]!r}: LOO values are not comparable")
        if var not in fits[name].log_likelihood:
            raise DataError(f"fit {name!r} has no log_likelihood variable {var!r} (written by an older remodel-fit: refit)")
    table = az.compare(dict(fits), ic="loo", var_name=var)
    table = table.reset_index().rename(columns={"index": "model"})
    bad = {n: int(np.sum(az.loo(fits[n], pointwise=True, var_name=var).pareto_k.values > 0.7)) for n in names}
    table["pareto_k_gt_0_7"] = table["model"].map(bad)
    table.insert(1, "unit", unit)
    table.insert(2, "n_points", int(fits[names[0]].log_likelihood[var].shape[-1]))
    return table


def compare_all_units(fits: Mapping[str, az.InferenceData], units: Sequence[str] = tuple(UNITS)) -> pd.DataFrame:
    """:func:`compare_fits` for each unit, stacked (``unit`` column)."""
    return pd.concat([compare_fits(fits, unit) for unit in units], ignore_index=True)
