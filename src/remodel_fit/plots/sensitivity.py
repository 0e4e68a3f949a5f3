"""Figures of sensitivity results (matplotlib; each returns a Figure, the caller saves it).

Indices whose confidence interval reaches zero are drawn hatched and pale (bars),
as hollow markers (Morris), or marked with a dot (heatmap).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def _grid(n: int, ncols: int = 3, size: tuple[float, float] = (4.2, 3.2)):
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def _when(output: str, years: float | None, onset_days: float | None) -> str:
    """Panel title: the output and its time, counted from the inflammation onset when there is one."""
    if years is None:
        return output
    if onset_days:
        return f"{output}, {years - onset_days / 365.25:g} y after onset"
    return f"{output} at {years:g} y"


def sobol_bars(frame: pd.DataFrame, onset_days: float | None = None) -> plt.Figure:
    """S1 and ST per parameter with CIs, one panel per output column (``label``)."""
    first = frame[frame["kind"] == "first_total"]
    labels = list(dict.fromkeys(first["label"]))
    fig, axes = _grid(len(labels))
    for ax, label in zip(axes, labels):
        part = first[first["label"] == label]
        x = np.arange(len(part))
        for offset, index, color in ((-0.2, "S1", "tab:blue"), (0.2, "ST", "tab:orange")):
            value, conf = part[index].to_numpy(), part[f"{index}_conf"].to_numpy()
            weak = ~(value - conf > 0)
            bars = ax.bar(x + offset, value, 0.4, yerr=conf, color=color, label=index, capsize=2)
            for bar, flag in zip(bars, weak):
                if flag:
                    bar.set_alpha(0.35)
                    bar.set_hatch("//")
        ax.set_xticks(x, part["parameter"], rotation=60, ha="right", fontsize=7)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(_when(part["output"].iloc[0], float(part["time_years"].iloc[0]), onset_days)
                     if "time_years" in part else label, fontsize=9)
    axes[0].legend(fontsize=7, title="hatched: CI reaches 0", title_fontsize=6)
    fig.tight_layout()
    return fig


def sobol_heatmap(frame: pd.DataFrame, onset_days: float | None = None) -> plt.Figure:
    """Total indices over time: parameters x time, one panel per output (onset marked; before it the
    outputs do not vary and every index is 0)."""
    first = frame[frame["kind"] == "first_total"]
    outputs = list(dict.fromkeys(first["output"]))
    fig, axes = _grid(len(outputs), ncols=2, size=(5.5, 3.8))
    for ax, output in zip(axes, outputs):
        part = first[first["output"] == output]
        table = part.pivot(index="parameter", columns="time_days", values="ST").reindex(
            list(dict.fromkeys(part["parameter"]))
        )
        weak = part.pivot(index="parameter", columns="time_days", values="ci_overlaps_zero").reindex(table.index)
        image = ax.imshow(np.clip(table.to_numpy(float), 0, 1), aspect="auto", cmap="viridis", vmin=0, vmax=1)
        rows, cols = np.nonzero(weak.to_numpy(bool))
        ax.scatter(cols, rows, s=4, c="white", marker="o", label="CI reaches 0")
        ax.set_yticks(range(len(table.index)), table.index, fontsize=7)
        ticks = np.linspace(0, table.shape[1] - 1, min(6, table.shape[1])).astype(int)
        ax.set_xticks(ticks, [f"{table.columns[i] / 365.25:.1f}" for i in ticks], fontsize=7)
        ax.set_xlabel("years")
        if onset_days is not None:
            ax.axvline(np.searchsorted(table.columns.to_numpy(float), onset_days) - 0.5, color="white", lw=1, ls="--")
        ax.set_title(f"ST: {output}", fontsize=9)
        fig.colorbar(image, ax=ax, fraction=0.04)
    fig.tight_layout()
    return fig


def morris_plot(frame: pd.DataFrame, label_top: int = 4, onset_days: float | None = None) -> plt.Figure:
    """mu* against sigma per parameter: a row per output, a column per horizon; the ``label_top``
    parameters with the largest mu* are named in each panel, hollow markers when mu*'s CI reaches 0."""
    outputs = list(dict.fromkeys(frame["output"]))
    horizons = sorted(dict.fromkeys(frame["time_years"])) if "time_years" in frame else [None]
    fig, axes = plt.subplots(len(outputs), len(horizons), figsize=(3.6 * len(horizons), 3.0 * len(outputs)),
                             squeeze=False, layout="constrained")
    colours = {p: f"C{i % 10}" for i, p in enumerate(dict.fromkeys(frame["parameter"]))}
    for i, output in enumerate(outputs):
        for j, horizon in enumerate(horizons):
            ax = axes[i, j]
            part = frame[(frame["output"] == output) & ((frame["time_years"] == horizon) if horizon is not None else True)]
            weak = part["ci_overlaps_zero"].to_numpy(bool)
            ax.errorbar(part["mu_star"], part["sigma"], xerr=part["mu_star_conf"], fmt="none", ecolor="0.7", lw=0.8)
            for (_, row), w in zip(part.iterrows(), weak):
                c = colours[row["parameter"]]
                ax.scatter(row["mu_star"], row["sigma"], s=22, facecolors="none" if w else c, edgecolors=c)
            for rank, (_, row) in enumerate(part.nlargest(label_top, "mu_star").iterrows()):
                ax.annotate(row["parameter"], (row["mu_star"], row["sigma"]), fontsize=6.5, xytext=(4, 4 + 7 * rank),
                            textcoords="offset points", arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "0.5"})
            ax.margins(x=0.12, y=0.3)  # room for the labels under the title
            ax.set_title(_when(output, horizon, onset_days), fontsize=9)
            ax.set_xlabel("mu* (mean |elementary effect|)", fontsize=8)
            ax.set_ylabel("sigma", fontsize=8)
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=p) for p, c in colours.items()]
    fig.legend(handles=handles, loc="outside lower center", ncol=min(6, len(handles)), fontsize=7, frameon=False)
    return fig


def drivers_over_time(frame: pd.DataFrame, onset_days: float | None = None, top: int = 6) -> plt.Figure:
    """Early and late drivers: each parameter's total index ST over time (its CI as a band), one
    panel per output; the ``top`` parameters by their largest ST are drawn, the onset is marked."""
    first = frame[frame["kind"] == "first_total"]
    outputs = list(dict.fromkeys(first["output"]))
    fig, axes = _grid(len(outputs), ncols=2, size=(5.2, 3.4))
    for ax, output in zip(axes, outputs):
        part = first[first["output"] == output]
        leaders = part.groupby("parameter")["ST"].max().nlargest(top).index
        for i, name in enumerate(leaders):
            sub = part[part["parameter"] == name].sort_values("time_days")
            years = sub["time_days"] / 365.25
            ax.plot(years, sub["ST"].clip(lower=0), color=f"C{i}", lw=1.4, label=name)
            ax.fill_between(years, (sub["ST"] - sub["ST_conf"]).clip(lower=0), (sub["ST"] + sub["ST_conf"]).clip(upper=1),
                            color=f"C{i}", alpha=0.12, lw=0)
        if onset_days is not None:
            ax.axvline(onset_days / 365.25, color="k", lw=0.8, ls="--", label="inflammation onset")
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("years")
        ax.set_ylabel("total Sobol' index ST")
        ax.set_title(output, fontsize=9)
        ax.legend(fontsize=6.5, frameon=False, loc="upper right")
    fig.tight_layout()
    return fig


def convergence_plot(frame: pd.DataFrame) -> plt.Figure:
    """ST (with CI band) against N per parameter, one panel per output column (``label``)."""
    labels = list(dict.fromkeys(frame["label"]))
    fig, axes = _grid(len(labels))
    for ax, label in zip(axes, labels):
        part = frame[(frame["label"] == label) & (frame["kind"] == "first_total")]
        for name, sub in part.groupby("parameter", sort=False):
            line = ax.plot(sub["n"], sub["ST"], marker="o", ms=3, label=name)[0]
            ax.fill_between(sub["n"], sub["ST"] - sub["ST_conf"], sub["ST"] + sub["ST_conf"], color=line.get_color(), alpha=0.15)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("N (base points)")
        ax.set_ylabel("ST")
        ax.set_title(label, fontsize=9)
    axes[0].legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig
