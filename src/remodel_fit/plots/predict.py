"""Posterior-predictive scenario trajectories: median and 50 %/90 % bands per scenario."""

from __future__ import annotations

import pandas as pd


def prediction_bands(table: pd.DataFrame):
    """One panel per observable; median and 50%/90% bands per scenario; time in years."""
    import matplotlib.pyplot as plt

    observables = list(dict.fromkeys(table["observable"]))
    fig, axes = plt.subplots(1, len(observables), figsize=(4 * len(observables), 3.2), squeeze=False)
    for ax, obs in zip(axes[0], observables):
        for i, (name, sub) in enumerate(table[table["observable"] == obs].groupby("scenario", sort=False)):
            t = sub["time"].to_numpy() / 365.25
            ax.fill_between(t, sub["q05"], sub["q95"], color=f"C{i}", alpha=0.15, lw=0)
            ax.fill_between(t, sub["q25"], sub["q75"], color=f"C{i}", alpha=0.3, lw=0)
            ax.plot(t, sub["q50"], color=f"C{i}", label=name)
        ax.set_title(obs, fontsize=10)
        ax.set_xlabel("years")
    axes[0][0].legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
