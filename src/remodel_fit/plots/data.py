"""Data-overview figure: per observable, each group's mean ± SE over time (subjects faint behind)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..data.tables import GROUP, OBSERVABLE, SD, SUBJECT, TIME, UNIT, VALUE

MAX_SUBJECT_LINES = 200
"""Above this many subjects per panel the individual lines are left out (they would be a smear)."""


def overview_figure(measurements: pd.DataFrame, *, observables: list[str] | None = None, title: str | None = None):
    """Panels by observable: the group means ± SE at each time (thick), the subjects' own series
    faint behind them (with their sd bars where the table has them). Time in months past 6 months."""
    import matplotlib.pyplot as plt

    observables = observables or list(dict.fromkeys(measurements[OBSERVABLE]))
    groups = list(dict.fromkeys(measurements[GROUP]))
    colours = {g: plt.get_cmap("tab10" if len(groups) <= 10 else "tab20")(i % 20) for i, g in enumerate(groups)}
    months = measurements[TIME].max() >= 180
    scale, unit_t = (365.25 / 12, "months") if months else (1.0, "days")
    ncols = min(3, len(observables))
    nrows = math.ceil(len(observables) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.4 * ncols, 3.3 * nrows), squeeze=False, layout="constrained")
    for ax, obs in zip(axes.flat, observables):
        rows = measurements[measurements[OBSERVABLE] == obs]
        if rows[SUBJECT].nunique() <= MAX_SUBJECT_LINES:
            for (subject, group), r in rows.groupby([SUBJECT, GROUP], sort=False):
                r = r.sort_values(TIME)
                ax.plot(r[TIME] / scale, r[VALUE], "-", lw=0.5, alpha=0.15, color=colours[group])
                sd = r[SD].to_numpy(float) if SD in r else np.full(len(r), np.nan)
                if np.isfinite(sd).any():
                    ax.errorbar(r[TIME] / scale, r[VALUE], yerr=np.nan_to_num(sd), fmt="none", lw=0.5, alpha=0.3,
                                color=colours[group])
        for group, r in rows.groupby(GROUP, sort=False):
            stats = r.groupby(TIME)[VALUE].agg(["mean", "std", "count"]).reset_index()
            se = stats["std"].fillna(0.0) / np.sqrt(stats["count"])
            ax.errorbar(stats[TIME] / scale, stats["mean"], yerr=se, fmt="-o", ms=3.5, lw=1.8, capsize=2,
                        color=colours[group], label=f"{group} (n = {r[SUBJECT].nunique()})")
        unit = rows[UNIT].iloc[0] if UNIT in rows and len(rows) else ""
        ax.set_title(obs, fontsize=10)
        ax.set_xlabel(f"time ({unit_t})")
        ax.set_ylabel(f"{obs} ({unit})" if unit and unit != "1" else f"{obs} (relative)")
    for ax in axes.flat[len(observables):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(groups), 4), frameon=False, fontsize="small")
    n = measurements[SUBJECT].nunique()
    fig.suptitle(title or f"{n} subjects in {len(groups)} groups: group mean ± SE (thick), subjects (faint)",
                 fontsize=10)
    return fig
