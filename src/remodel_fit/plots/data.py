"""Data-overview figure: every subject's trajectory, one panel per observable, coloured by group."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..data.tables import GROUP, OBSERVABLE, SD, SUBJECT, TIME, UNIT, VALUE


def overview_figure(measurements: pd.DataFrame, *, observables: list[str] | None = None, title: str | None = None):
    """A matplotlib figure: panels by observable, one line per subject, colours by group, sd bars."""
    import matplotlib.pyplot as plt

    observables = observables or list(dict.fromkeys(measurements[OBSERVABLE]))
    groups = list(dict.fromkeys(measurements[GROUP]))
    colours = {g: plt.get_cmap("tab10" if len(groups) <= 10 else "tab20")(i % 20) for i, g in enumerate(groups)}
    ncols = min(3, len(observables))
    nrows = math.ceil(len(observables) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
    for ax, obs in zip(axes.flat, observables):
        rows = measurements[measurements[OBSERVABLE] == obs]
        for (subject, group), r in rows.groupby([SUBJECT, GROUP], sort=False):
            r = r.sort_values(TIME)
            sd = r[SD].to_numpy(float) if SD in r else np.full(len(r), np.nan)
            ax.plot(r[TIME], r[VALUE], "-o", ms=2.5, lw=0.8, alpha=0.6, color=colours[group])
            if np.isfinite(sd).any():
                ax.errorbar(r[TIME], r[VALUE], yerr=np.nan_to_num(sd), fmt="none", lw=0.6, alpha=0.6,
                            color=colours[group])
        unit = rows[UNIT].iloc[0] if UNIT in rows and len(rows) else ""
        ax.set_title(obs)
        ax.set_xlabel("time (days)")
        ax.set_ylabel(f"{obs} ({unit})" if unit and unit != "1" else obs)
    for ax in axes.flat[len(observables):]:
        ax.set_visible(False)
    handles = [plt.Line2D([], [], color=colours[g], marker="o", lw=1) for g in groups]
    fig.legend(handles, groups, loc="upper center", ncol=min(len(groups), 4), frameon=False,
               bbox_to_anchor=(0.5, 1.0 + 0.04 / nrows), fontsize="small")
    n = measurements[SUBJECT].nunique()
    fig.suptitle(title or f"{n} subjects, {len(groups)} groups", y=1.0 + 0.1 / nrows)
    fig.tight_layout()
    return fig
