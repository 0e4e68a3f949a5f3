"""Model comparison by PSIS-LOO between fits (e.g. cytokine-arm variants rankl / rankl_opg / rankl_opg_ob).

All fits must share one dataset (same observed ``y``), or LOO values are not comparable.
"""

from __future__ import annotations

from collections.abc import Mapping

import arviz as az
import numpy as np
import pandas as pd

from ..errors import DataError


def compare_fits(fits: Mapping[str, az.InferenceData]) -> pd.DataFrame:
    """``az.compare`` (PSIS-LOO, stacking weights) as a tidy table with a ``model`` column and Pareto-k counts."""
    names = list(fits)
    ref = np.asarray(fits[names[0]].observed_data["y"].values)
    for name in names[1:]:
        other = np.asarray(fits[name].observed_data["y"].values)
        if other.shape != ref.shape or not np.allclose(other, ref):
            raise DataError(f"fit {name!r} was fitted to other data than {names[0]!r}: LOO values are not comparable")
    table = az.compare(dict(fits), ic="loo")
    table = table.reset_index().rename(columns={"index": "model"})
    bad = {n: int(np.sum(az.loo(fits[n], pointwise=True).pareto_k.values > 0.7)) for n in names}
    table["pareto_k_gt_0_7"] = table["model"].map(bad)
    return table


def compare_figure(table: pd.DataFrame):
    """ELPD (LOO) with standard errors, best first."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 0.6 * len(table) + 1.2))
    y = np.arange(len(table))[::-1]
    ax.errorbar(table["elpd_loo"], y, xerr=table["se"], fmt="o", color="C0", label="elpd_loo ± se")
    ax.errorbar(table["elpd_loo"] - table["elpd_diff"], y, xerr=table["dse"], fmt="none", color="C1", alpha=0.6,
                label="difference to best ± se")
    ax.set_yticks(y, table["model"])
    ax.set_xlabel("expected log predictive density (PSIS-LOO)")
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
