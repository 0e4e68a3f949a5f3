"""Simulation-based calibration: rank histograms with the uniform expectation band."""

from __future__ import annotations

import numpy as np
import pandas as pd


def sbc_figure(ranks: pd.DataFrame, bins: int = 10):
    """Histogram of ranks per parameter with the uniform expectation band (99%)."""
    import matplotlib.pyplot as plt
    from scipy import stats

    params = list(dict.fromkeys(ranks["parameter"]))
    fig, axes = plt.subplots(1, len(params), figsize=(3 * len(params), 2.6), squeeze=False)
    for ax, p in zip(axes[0], params):
        sub = ranks[ranks["parameter"] == p]
        n, draws = len(sub), int(sub["draws"].max())
        lo, hi = stats.binom.ppf([0.005, 0.995], n, 1 / bins)
        ax.axhspan(lo, hi, color="0.85")
        ax.hist(sub["rank"], bins=np.linspace(0, draws, bins + 1), color="C0", edgecolor="white")
        ax.set_title(p, fontsize=9)
        ax.set_xlabel("rank")
    axes[0][0].set_ylabel("replicates")
    fig.tight_layout()
    return fig
