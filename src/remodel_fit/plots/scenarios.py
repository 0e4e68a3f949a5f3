"""Multi-panel figure of scenario simulations: cells, RANKL/OPG, BMD, markers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

PANELS: tuple[tuple[str, tuple[str, ...], str, bool], ...] = (
    ("Bone cells", ("OBp", "OBa", "OCa"), "pM", True),
    ("RANKL and OPG (bone)", ("RANKL", "OPG"), "pM", True),
    ("OPG:RANKL (serum)", ("opg_rankl",), "ratio", True),
    ("BMD", ("bmd_ls_rel", "bmd_th_rel"), "relative to baseline", False),
    ("Turnover markers", ("ctx_rel", "p1np_rel"), "relative to baseline", False),
    ("Denosumab (serum)", ("denosumab",), "ng/mL", False),
)
STYLES = ("-", "--", ":", "-.")


def scenario_panels(table: pd.DataFrame) -> plt.Figure:
    """One panel per quantity group; a colour per scenario, a line style per quantity."""
    present = [p for p in PANELS if set(p[1]) & set(table["quantity"])]
    ncols = 3
    nrows = -(-len(present) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
    colours = {s: f"C{i}" for i, s in enumerate(table["scenario"].unique())}
    for ax, (title, quantities, unit, log) in zip(axes.flat, present):
        for scenario, colour in colours.items():
            for style, quantity in zip(STYLES, quantities):
                rows = table[(table.scenario == scenario) & (table.quantity == quantity)]
                if not rows.empty:
                    ax.plot(rows.time_days / 365.25, rows.value, style, color=colour, label=f"{scenario}: {quantity}")
        ax.set(title=title, xlabel="years", ylabel=unit)
        if log:
            ax.set_yscale("log")
        if len(quantities) > 1:
            ax.legend(
                handles=[plt.Line2D([], [], color="k", ls=st, label=q) for st, q in zip(STYLES, quantities)],
                fontsize=7, frameon=False,
            )
    for ax in list(axes.flat)[len(present):]:
        ax.axis("off")
    scenario_handles = [plt.Line2D([], [], color=c, label=s) for s, c in colours.items()]
    fig.legend(handles=scenario_handles, loc="lower center", ncol=len(colours), frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig
