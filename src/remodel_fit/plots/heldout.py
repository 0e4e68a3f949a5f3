"""Held-out arms: each arm's data against the fit's posterior-predictive band, one row per arm."""

from __future__ import annotations

import pandas as pd

DAYS_PER_YEAR = 365.25


def heldout_bands(table: pd.DataFrame, level: float):
    """Rows: held-out subjects (arms); columns: observables. Points inside the band filled, outside hollow."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    subjects = list(dict.fromkeys(table["subject"]))
    observables = list(dict.fromkeys(table["observable"]))
    fig, axes = plt.subplots(len(subjects), len(observables), figsize=(3.2 * len(observables), 2.3 * len(subjects)),
                             squeeze=False, layout="constrained")
    for r, subject in enumerate(subjects):
        for c, obs in enumerate(observables):
            ax = axes[r][c]
            sub = table[(table["subject"] == subject) & (table["observable"] == obs)].sort_values("time_days")
            if sub.empty:
                ax.set_axis_off()
                continue
            t = sub["time_days"].to_numpy() / DAYS_PER_YEAR
            ax.fill_between(t, sub["lower"], sub["upper"], color="C0", alpha=0.25, lw=0, step=None)
            ax.plot(t, sub["median"], color="C0", lw=1.2)
            inside = sub["inside"].to_numpy()
            ax.plot(t[inside], sub["value"].to_numpy()[inside], "o", color="k", ms=3.5)
            ax.plot(t[~inside], sub["value"].to_numpy()[~inside], "o", mfc="none", color="C3", ms=4.5)
            share = inside.mean()
            ax.set_title(f"{subject}\n{obs}: {share:.0%} of {len(sub)} inside", fontsize=7)
            ax.tick_params(labelsize=7)
            if r == len(subjects) - 1:
                ax.set_xlabel("years", fontsize=8)
            if c == 0:
                ax.set_ylabel("relative to baseline", fontsize=8)
    handles = [Patch(color="C0", alpha=0.35, label=f"{level:.0%} posterior-predictive band"),
               plt.Line2D([], [], color="C0", lw=1.2, label="posterior-predictive median"),
               plt.Line2D([], [], ls="", marker="o", color="k", label="held-out data, inside"),
               plt.Line2D([], [], ls="", marker="o", mfc="none", color="C3", label="held-out data, outside")]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False, fontsize=8)
    total = table["inside"].mean()
    fig.suptitle(f"Held-out arms (never fitted): {total:.0%} of {len(table)} points inside the band", fontsize=10)
    return fig
