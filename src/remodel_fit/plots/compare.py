"""PSIS-LOO comparison of fits: ELPD with standard errors, one panel per unit left out."""

from __future__ import annotations

import numpy as np
import pandas as pd


def compare_figure(table: pd.DataFrame):
    """ELPD (LOO) with standard errors, best first, one panel per unit left out."""
    import matplotlib.pyplot as plt

    units = list(dict.fromkeys(table["unit"])) if "unit" in table else [None]
    n_models = table["model"].nunique()
    fig, axes = plt.subplots(1, len(units), figsize=(5 * len(units), 0.6 * n_models + 1.4), squeeze=False)
    for ax, unit in zip(axes[0], units):
        part = table if unit is None else table[table["unit"] == unit]
        y = np.arange(len(part))[::-1]
        ax.errorbar(part["elpd_loo"], y, xerr=part["se"], fmt="o", color="C0", label="elpd_loo ± se")
        ax.errorbar(part["elpd_loo"] - part["elpd_diff"], y, xerr=part["dse"], fmt="none", color="C1", alpha=0.6,
                    label="difference to best ± se")
        ax.set_yticks(y, part["model"])
        ax.set_xlabel("expected log predictive density (PSIS-LOO)")
        if unit is not None:
            ax.set_title(f"leave one {unit} out ({int(part['n_points'].iloc[0])} points)", fontsize=10)
        ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
