"""Figures of one fit: each function takes an ``az.InferenceData`` and returns a Figure.

Positive parameters are drawn on a log10 scale where the scale matters (pair, forest,
prior-vs-posterior): the priors are log-normal, so that is where their shapes are readable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from ..inference.diagnostics import is_internal, normalise_truth, predictive_bands

CYTOKINE_PATTERN = r"^(tnf|il1|il6)_"
MAX_PAIR = 8
DAYS_PER_MONTH = 365.25 / 12
_SAMPLE_DIMS = ("chain", "draw")


def population_variables(idata: az.InferenceData, group: str = "posterior") -> list[str]:
    """Posterior variables without extra dims (no subject effects)."""
    ds = getattr(idata, group)
    return [str(n) for n, da in ds.data_vars.items() if set(da.dims) == set(_SAMPLE_DIMS)]


def trace(idata: az.InferenceData, var_names: Sequence[str] | None = None) -> Figure:
    """Trace and marginal density per variable (subject effects overlaid in one row)."""
    axes = az.plot_trace(idata, var_names=_names(var_names), compact=True, divergences="bottom")
    return _figure(axes, "Trace")


def rank(idata: az.InferenceData, var_names: Sequence[str] | None = None) -> Figure:
    """Rank histograms per chain (uniform when chains mix); population variables by default."""
    axes = az.plot_rank(idata, var_names=_names(var_names) or population_variables(idata))
    return _figure(axes, "Rank plots")


def pair(idata: az.InferenceData, pattern: str = CYTOKINE_PATTERN) -> Figure:
    """Pair plot (log10 of positive values) of the parameters matching ``pattern``, divergences in red.

    At most ``MAX_PAIR`` of them; without such parameters, the first population parameters
    (not noise SDs).
    """
    names = [n for n in population_variables(idata) if re.search(pattern, n)]
    title = "Cytokine parameters"
    if not names:
        names = [n for n in population_variables(idata) if not n.startswith("sigma_")][:MAX_PAIR]
        title = "Population parameters (no cytokine parameters in this fit)"
    if len(names) > MAX_PAIR:
        title = f"{title}: first {MAX_PAIR} of {len(names)}"
        names = names[:MAX_PAIR]
    if len(names) < 2:
        return _note(f"{title}: fewer than two parameters, no pair plot")
    post, labels = _log10(idata.posterior[names])
    data = az.InferenceData(posterior=post, **_sample_stats(idata))
    axes = az.plot_pair(data, var_names=labels, kind="scatter", marginals=True,
                        divergences="sample_stats" in data.groups(),
                        scatter_kwargs={"alpha": 0.25, "s": 4, "marker": "o"}, textsize=9)
    return _figure(axes, title)


def forest(idata: az.InferenceData, var_names: Sequence[str] | None = None) -> Figure:
    """90% intervals, chains combined, with R-hat and ESS columns (non-centred latents left out).

    Positive variables with a prior are shown as log10(posterior / prior median), so every
    parameter shares one axis and zero means 'where the prior put it'.
    """
    names = _names(var_names) or [str(n) for n in idata.posterior.data_vars if not is_internal(n)]
    post = idata.posterior[names]
    prior = getattr(idata, "prior", None)
    shifted, labels = {}, []
    for name in names:
        da = post[name]
        if bool((da > 0).all()) and prior is not None and name in prior:
            label = f"log10({name}/prior median)"
            shifted[label] = np.log10(da / float(prior[name].median()))
        else:
            label = name
            shifted[label] = da
        labels.append(label)
    data = az.InferenceData(posterior=xr.Dataset(shifted))
    axes = az.plot_forest(data, var_names=labels, combined=True, hdi_prob=0.9, r_hat=True, ess=True)
    return _figure(axes, "Posterior 90% intervals")


def energy(idata: az.InferenceData) -> Figure:
    """Marginal vs transition energy (BFMI in the legend)."""
    return _figure(az.plot_energy(idata), "Energy")


def prior_posterior(
    idata: az.InferenceData,
    var_names: Sequence[str] | None = None,
    *,
    truth: Mapping | None = None,
    ncols: int = 4,
) -> Figure:
    """Prior and posterior densities per population parameter (log10 for positive ones), truth marked."""
    names = _names(var_names) or [n for n in population_variables(idata) if n in idata.prior]
    if not names:
        return _note("no parameter has both prior and posterior draws")
    true = normalise_truth(truth) if truth else {}
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, min(ncols, len(names)), figsize=(3.2 * min(ncols, len(names)), 2.4 * nrows + 0.5),
                             squeeze=False, layout="constrained")
    flat = axes.ravel()
    for ax, name in zip(flat, names):
        prior, post = idata.prior[name].values.ravel(), idata.posterior[name].values.ravel()
        log = bool((prior > 0).all() and (post > 0).all())
        f = np.log10 if log else (lambda x: x)
        az.plot_kde(f(prior), ax=ax, plot_kwargs={"color": "0.5", "linestyle": "--"}, label="prior")
        az.plot_kde(f(post), ax=ax, plot_kwargs={"color": "C0"}, label="posterior")
        if name in true and np.ndim(true[name]) == 0:
            ax.axvline(f(float(true[name])), color="C3", label="truth")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("log10 value" if log else "value", fontsize=8)
        ax.set_yticks([])
        ax.legend().remove()
    for ax in flat[len(names):]:
        fig.delaxes(ax)
    _legend_below(fig, flat[0])
    fig.suptitle("Prior vs posterior")
    return fig


def ppc(idata: az.InferenceData, group: str = "posterior_predictive") -> Figure:
    """Predictive 5-95% and 25-75% bands and median over the data, one panel per (observable, group).

    Bands pool draws and the group's subjects at each observed time; dots are the observations.
    Rows (observables) share a y-axis, logarithmic when everything in the row is positive and
    spans at least a factor 3. Time is in months when the data span half a year or more.
    """
    bands = predictive_bands(idata, group)
    obs = idata.observed_data["y"]
    points = pd.DataFrame({k: np.asarray(obs[k].values) for k in ("observable", "group", "time")})
    points["value"] = np.asarray(obs.values, dtype=float)
    months = points["time"].max() >= 180
    scale, unit = (DAYS_PER_MONTH, "months") if months else (1.0, "days")
    observables, groups = pd.unique(points["observable"]), pd.unique(points["group"])
    units = _units(idata)
    fig, axes = plt.subplots(len(observables), len(groups), figsize=(3.4 * len(groups), 2.5 * len(observables) + 0.6),
                             squeeze=False, sharex=True, sharey="row", layout="constrained")
    for i, name in enumerate(observables):
        row = []
        for j, grp in enumerate(groups):
            ax = axes[i, j]
            b = bands[(bands["observable"] == name) & (bands["group"] == grp)]
            p = points[(points["observable"] == name) & (points["group"] == grp)]
            ax.set_title(f"{name} · {grp}", fontsize=9)
            if b.empty:
                ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes)
                continue
            t = b["time"] / scale
            ax.fill_between(t, b["q05"], b["q95"], color="C0", alpha=0.2, lw=0, label="5-95% predicted")
            ax.fill_between(t, b["q25"], b["q75"], color="C0", alpha=0.4, lw=0, label="25-75% predicted")
            ax.plot(t, b["q50"], color="C0", lw=1.5, label="median predicted")
            ax.plot(p["time"] / scale, p["value"], "o", color="k", ms=2.5, alpha=0.6, label="observed")
            row.append(np.concatenate([b[["q05", "q95"]].to_numpy().ravel(), p["value"].to_numpy()]))
        values = np.concatenate(row) if row else np.array([])
        values = values[np.isfinite(values)]
        if values.size and values.min() > 0 and values.max() / values.min() >= 3:
            axes[i, 0].set_yscale("log")
        axes[i, 0].set_ylabel(f"{name} ({units[name]})" if units.get(name) else name, fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel(f"time ({unit})", fontsize=8)
    _legend_below(fig, next((ax for ax in axes.ravel() if ax.lines), axes[0, 0]))
    fig.suptitle("Posterior predictive" if group == "posterior_predictive" else "Prior predictive")
    return fig


FIGURES: dict[str, Callable[..., Figure]] = {
    "trace": trace,
    "rank": rank,
    "pair": pair,
    "forest": forest,
    "energy": energy,
    "prior_posterior": prior_posterior,
    "ppc": ppc,
}
"""Figure name (file stem) -> function, in report order."""


def _names(var_names: Sequence[str] | None) -> list[str] | None:
    return list(var_names) if var_names else None


def _figure(axes, title: str) -> Figure:
    fig = np.atleast_1d(axes).ravel()[0].figure
    fig.suptitle(title)
    return fig


def _legend_below(fig: Figure, ax) -> None:
    """One legend for the figure, taken from ``ax``, under the panels."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=len(handles), fontsize=8, frameon=False)


def _note(text: str) -> Figure:
    fig, ax = plt.subplots(figsize=(5, 1.5))
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True)
    ax.set_axis_off()
    return fig


def _log10(ds: xr.Dataset) -> tuple[xr.Dataset, list[str]]:
    """Replace all-positive variables by their log10 under the name ``log10(name)``."""
    out, labels = {}, []
    for name, da in ds.data_vars.items():
        if bool((da > 0).all()):
            name, da = f"log10({name})", np.log10(da)
        out[str(name)] = da
        labels.append(str(name))
    return xr.Dataset(out), labels


def _sample_stats(idata: az.InferenceData) -> dict:
    return {"sample_stats": idata.sample_stats} if "sample_stats" in idata.groups() else {}


def _units(idata: az.InferenceData) -> dict[str, str]:
    """Observable units from the fitted model named in the attrs, when the package knows it."""
    from ..registry import get_model

    try:
        name = getattr(idata, "attrs", {}).get("model") or idata.posterior.attrs.get("model", "")
        model = get_model(str(name))
    except Exception:  # unknown or absent model: plot without units
        return {}
    return {o.name: o.unit for o in model.observables}
