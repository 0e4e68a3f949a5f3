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


def sobol_bars(frame: pd.DataFrame) -> plt.Figure:
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
        ax.set_title(label, fontsize=9)
    axes[0].legend(fontsize=7, title="hatched: CI reaches 0", title_fontsize=6)
    fig.tight_layout()
    return fig


def sobol_heatmap(frame: pd.DataFrame) -> plt.Figure:
    """Total indices over time: parameters x time, one panel per output."""
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
        ax.set_title(f"ST: {output}", fontsize=9)
        fig.colorbar(image, ax=ax, fraction=0.04)
    fig.tight_layout()
    return fig


def morris_plot(frame: pd.DataFrame) -> plt.Figure:
    """mu* against sigma per parameter, one panel per output; hollow when mu*'s CI reaches 0."""
    outputs = list(dict.fromkeys(frame["output"]))
    fig, axes = _grid(len(outputs))
    for ax, output in zip(axes, outputs):
        part = frame[frame["output"] == output]
        weak = part["ci_overlaps_zero"].to_numpy(bool)
        ax.errorbar(part["mu_star"], part["sigma"], xerr=part["mu_star_conf"], fmt="none", ecolor="0.6", lw=0.8)
        ax.scatter(part["mu_star"][~weak], part["sigma"][~weak], c="tab:red", s=18)
        ax.scatter(part["mu_star"][weak], part["sigma"][weak], facecolors="none", edgecolors="tab:red", s=18)
        for _, row in part.iterrows():
            ax.annotate(row["parameter"], (row["mu_star"], row["sigma"]), fontsize=6)
        ax.set_xlabel("mu*")
        ax.set_ylabel("sigma")
        ax.set_title(output, fontsize=9)
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
