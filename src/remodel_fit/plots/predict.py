"""Posterior-predictive scenario trajectories: median and 50 %/90 % bands per scenario."""

from __future__ import annotations

import pandas as pd

DAYS_PER_YEAR = 365.25


def prediction_bands(table: pd.DataFrame, units: dict[str, str] | None = None):
    """One panel per observable; per scenario the posterior median (line), the central 50 % band
    (dark) and 90 % band (light) of a typical patient; time in years."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    units = units or {}
    observables = list(dict.fromkeys(table["observable"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    fig, axes = plt.subplots(1, len(observables), figsize=(4.3 * len(observables), 3.6), squeeze=False,
                             layout="constrained")
    for ax, obs in zip(axes[0], observables):
        for i, name in enumerate(scenarios):
            sub = table[(table["observable"] == obs) & (table["scenario"] == name)]
            t = sub["time"].to_numpy() / DAYS_PER_YEAR
            ax.fill_between(t, sub["q05"], sub["q95"], color=f"C{i}", alpha=0.15, lw=0)
            ax.fill_between(t, sub["q25"], sub["q75"], color=f"C{i}", alpha=0.35, lw=0)
            ax.plot(t, sub["q50"], color=f"C{i}", lw=1.6)
        unit = units.get(obs, "1")
        ax.set_title(obs, fontsize=10)
        ax.set_xlabel("years")
        ax.set_ylabel(f"{obs} ({unit})" if unit != "1" else f"{obs} (relative to baseline)")
    draws = int(table["draws"].min()) if "draws" in table else None
    handles = [plt.Line2D([], [], color=f"C{i}", lw=1.6, label=name) for i, name in enumerate(scenarios)]
    handles += [plt.Line2D([], [], color="0.3", lw=1.6, label="posterior median"),
                Patch(color="0.3", alpha=0.45, label="50 % posterior band"),
                Patch(color="0.3", alpha=0.18, label="90 % posterior band")]
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6), frameon=False, fontsize=8)
    fig.suptitle("Predicted trajectories of a typical patient" + (f" ({draws} posterior draws)" if draws else ""),
                 fontsize=10)
    return fig
