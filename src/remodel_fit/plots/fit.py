"""Figures of one fit: each function takes its ArviZ ``xarray.DataTree`` and returns a Figure.

Positive parameters are drawn on a log10 scale where the scale matters (pair, forest,
prior-vs-posterior): the priors are log-normal, so that is where their shapes are readable.
Parameters already on a log scale (attribute ``parameter_scale``, PEtab fits) are drawn as log10
of the parameter, not of its logarithm.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from arviz_stats.base import array_stats
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from ..inference.diagnostics import is_internal, normalise_truth, predictive_bands

CYTOKINE_PATTERN = r"^(tnf|il1|il6)_"
MAX_PAIR = 8
MAX_TRACE = 30
DAYS_PER_MONTH = 365.25 / 12
_SAMPLE_DIMS = ("chain", "draw")


def population_variables(idata: xr.DataTree, group: str = "posterior") -> list[str]:
    """Variables without extra dims (no subject effects)."""
    ds = idata[group]
    return [str(n) for n, da in ds.data_vars.items() if set(da.dims) == set(_SAMPLE_DIMS)]


def quantities_of_interest(idata: xr.DataTree) -> list[str]:
    """Mechanism and population parameters, then between-subject sds, then noise sds (no subject
    effects, no solver counts): what trace, rank and forest show."""
    names = [n for n in population_variables(idata) if n != "failed_solves"]
    order = {n: (2 if n.startswith("sigma_") else 1 if n.endswith("_sd") else 0) for n in names}
    return sorted(names, key=lambda n: order[n])


def trace(idata: xr.DataTree, var_names: Sequence[str] | None = None) -> Figure:
    """Trace and marginal density per chain of the quantities of interest (divergences as a rug)."""
    names = _names(var_names) or quantities_of_interest(idata)
    title = "Trace"
    limit = MAX_TRACE
    if len(names) > limit:
        title, names = f"Trace: first {limit} of {len(names)} quantities", names[:limit]
    with az.rc_context({"plot.max_subplots": 2 * len(names) + 2}):
        pc = az.plot_trace_dist(idata, var_names=names, compact=True)
    return _figure(pc, title)


def rank(idata: xr.DataTree, var_names: Sequence[str] | None = None) -> Figure:
    """Fractional-rank ECDF per chain of the quantities of interest (inside the envelope when chains mix)."""
    names = _names(var_names) or quantities_of_interest(idata)
    with az.rc_context({"plot.max_subplots": len(names) + 2}):
        pc = az.plot_rank(idata, var_names=names)
    return _figure(pc, "Rank plots (fractional-rank ECDF minus uniform, per chain)")


def pair(idata: xr.DataTree, pattern: str = CYTOKINE_PATTERN) -> Figure:
    """Pair plot (log10 of positive values) of the parameters matching ``pattern``, divergences marked.

    At most ``MAX_PAIR`` of them; without such parameters, the first population parameters
    (not noise SDs).
    """
    names = [n for n in population_variables(idata) if re.search(pattern, n)]
    title = "Cytokine parameters"
    if not names:
        names = [n for n in quantities_of_interest(idata) if not n.startswith("sigma_")][:MAX_PAIR]
        title = "Population parameters (no cytokine parameters in this fit)"
    if len(names) > MAX_PAIR:
        title = f"{title}: first {MAX_PAIR} of {len(names)}"
        names = names[:MAX_PAIR]
    if len(names) < 2:
        return _note(f"{title}: fewer than two parameters, no pair plot")
    post, labels = _log10(idata.posterior.to_dataset()[names])
    data = xr.DataTree.from_dict({"posterior": post, **_sample_stats(idata)})
    with az.rc_context({"plot.max_subplots": len(names) ** 2 + 2}):
        pc = az.plot_pair(data, var_names=labels, marginal=True,
                          visuals={"divergence": "sample_stats" in data.children,
                                   "scatter": {"alpha": 0.25, "size": 4, "marker": "o"}})
    return _figure(pc, title)


def forest(idata: xr.DataTree, var_names: Sequence[str] | None = None) -> Figure:
    """Median, 50 % and 90 % intervals (chains pooled) of the quantities of interest, with R-hat and
    bulk ESS. Positive variables with a positive prior are shown as log10(posterior / prior median), so
    every parameter shares one axis and 0 means 'where the prior put it'; the rest on their own scale."""
    names = _names(var_names) or quantities_of_interest(idata)
    post = idata.posterior.to_dataset()[names]
    prior = idata["prior"].to_dataset() if "prior" in idata.children else None
    rhat, ess = az.rhat(post), az.ess(post, method="bulk")
    rows = []
    for name in names:
        values = post[name].values.ravel()
        label = name
        logged = _as_log10(post[name])
        prior_logged = _as_log10(prior[name]) if prior is not None and name in prior else None
        if logged is not None and prior_logged is not None:
            values = logged.ravel() - float(np.median(prior_logged))
            label = f"{name} (log10 / prior median)"
        rows.append((label, np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]), float(rhat[name]), float(ess[name])))
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(rows) + 1.2), layout="constrained")
    y = np.arange(len(rows))[::-1]
    for yi, (_, q, _, _) in zip(y, rows):
        ax.plot([q[0], q[4]], [yi, yi], color="C0", lw=1)
        ax.plot([q[1], q[3]], [yi, yi], color="C0", lw=3.5)
        ax.plot(q[2], yi, "o", color="white", mec="C0", ms=4)
    ax.axvline(0, color="0.6", lw=0.6, ls=":")
    ax.set_yticks(y, [r[0] for r in rows], fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    for yi, (_, _, r, e) in zip(y, rows):
        ax.annotate(f"R-hat {r:.3f}   ESS {e:.0f}", (1.01, yi), xycoords=("axes fraction", "data"), fontsize=7,
                    va="center", color="C3" if (r > 1.01 or e < 400) else "0.3")
    ax.set_xlabel("posterior: median (dot), 50 % (thick) and 90 % (thin) intervals", fontsize=8)
    fig.suptitle("Quantities of interest", fontsize=10)
    return fig


def subject_effects(idata: xr.DataTree) -> Figure:
    """Each subject effect ``P_subject``: subjects sorted by posterior median, 90 % intervals, the
    population value as a line; one compact panel per effect whatever the number of subjects."""
    names = [n for n in idata.posterior.data_vars if str(n).endswith("_subject")]
    if not names:
        return _note("no subject effects in this fit")
    fig, axes = plt.subplots(1, len(names), figsize=(2.6 * len(names), 3.0), squeeze=False, layout="constrained")
    for ax, name in zip(axes[0], names):
        da = idata.posterior[name]
        q = np.quantile(da.values.reshape(-1, da.shape[-1]), [0.05, 0.5, 0.95], axis=0)
        order = np.argsort(q[1])
        x = np.arange(order.size)
        ax.vlines(x, q[0][order], q[2][order], color="C0", lw=0.6, alpha=0.7)
        ax.plot(x, q[1][order], ".", color="C0", ms=3)
        population = str(name).removesuffix("_subject")
        if population in idata.posterior:
            ax.axhline(float(idata.posterior[population].median()), color="C3", lw=0.8, label="population median")
        ax.set_title(str(name), fontsize=9)
        ax.set_xlabel(f"{order.size} subjects, sorted", fontsize=8)
        ax.set_xticks([])
    _legend_below(fig, axes[0][0])
    fig.suptitle("Subject effects: median and 90 % interval", fontsize=10)
    return fig


def energy(idata: xr.DataTree) -> Figure:
    """Marginal vs transition energy, with the BFMI."""
    return _figure(az.plot_energy(idata), "Energy")


def prior_posterior(
    idata: xr.DataTree,
    var_names: Sequence[str] | None = None,
    *,
    truth: Mapping | None = None,
    ncols: int = 4,
) -> Figure:
    """Prior and posterior densities per quantity of interest (log10 for positive ones), truth marked."""
    names = _names(var_names) or [n for n in quantities_of_interest(idata) if n in idata["prior"]]
    if not names:
        return _note("no parameter has both prior and posterior draws")
    true = normalise_truth(truth) if truth else {}
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, min(ncols, len(names)), figsize=(3.2 * min(ncols, len(names)), 2.4 * nrows + 0.5),
                             squeeze=False, layout="constrained")
    flat = axes.ravel()
    for ax, name in zip(flat, names):
        prior, post = _as_log10(idata.prior[name]), _as_log10(idata.posterior[name])
        log = prior is not None and post is not None
        if not log:
            prior, post = idata.prior[name].values, idata.posterior[name].values
        ax.plot(*_kde(prior.ravel()), color="0.5", linestyle="--", label="prior")
        ax.plot(*_kde(post.ravel()), color="C0", label="posterior")
        if name in true and np.ndim(true[name]) == 0:
            value = xr.DataArray(float(true[name]), attrs=idata.posterior[name].attrs)
            marked = _as_log10(value) if log else value.values
            if marked is not None:
                ax.axvline(float(marked), color="C3", label="truth")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("log10 value" if log else "value", fontsize=8)
        ax.set_yticks([])
        ax.legend().remove()
    for ax in flat[len(names):]:
        fig.delaxes(ax)
    _legend_below(fig, flat[0])
    fig.suptitle("Prior vs posterior")
    return fig


def ppc(idata: xr.DataTree, group: str = "posterior_predictive") -> Figure:
    """Predictive 5-95% and 25-75% bands and median over the data, one panel per (observable, group).

    Bands pool draws and the group's subjects at each observed time; dots are the observations.
    Rows (observables) share a y-axis, logarithmic when everything in the row is positive and
    spans at least a factor 3. Time is in months when the data span half a year or more (of days:
    a ``time`` coordinate with another ``units`` attribute is drawn as it is).
    """
    obs = idata.observed_data["y"]
    if pd.unique(np.asarray(obs["group"].values)).size > MAX_PPC_GROUPS:
        return _note(f"more than {MAX_PPC_GROUPS} groups: too many panels (see measurements.png)")
    bands = predictive_bands(idata, group)
    points = pd.DataFrame({k: np.asarray(obs[k].values) for k in ("observable", "group", "time")})
    points["value"] = np.asarray(obs.values, dtype=float)
    months = points["time"].max() >= 180
    scale, unit = (DAYS_PER_MONTH, "months") if months else (1.0, "days")
    if obs["time"].attrs.get("units", "days") not in ("d", "day", "days"):  # e.g. a PEtab problem's own unit
        scale, unit = 1.0, obs["time"].attrs["units"]
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


MAX_MEASUREMENT_ROWS = 150
MAX_PPC_GROUPS = 8


def measurements(idata: xr.DataTree) -> Figure:
    """Forest of every measurement (an arm-level meta-analysis: each record): observed value against its 90 %
    posterior-predictive interval and median, grouped by observable; red where the value falls outside."""
    from ..inference.diagnostics import measurement_coverage

    table = measurement_coverage(idata)
    if len(table) > MAX_MEASUREMENT_ROWS:
        return _note(f"{len(table)} measurements: too many for one forest (see ppc.png and ppc_points.csv)")
    table = table.sort_values(["observable", "subject", "time"], kind="stable").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.16 * len(table) + 1.4), layout="constrained")
    y = np.arange(len(table))[::-1]
    median = table["q50"].to_numpy()
    ax.hlines(y, table["low"] / median, table["high"] / median, color="C0", lw=2, alpha=0.5, label="90% predicted")
    ax.axvline(1.0, color="C0", lw=0.8, label="median predicted")
    colour = np.where(table["inside"], "k", "C3")
    ax.scatter(table["observed"] / median, y, c=colour, s=10, zorder=3, label="observed")
    labels = [f"{r.observable} · {r.subject} · {r.time:g} d" for r in table.itertuples()]
    ax.set_yticks(y, labels, fontsize=5)
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("value over the predicted median (log scale; time: days of the fit's clock)", fontsize=8)
    ax.set_title(f"Posterior predictive: {int(table['inside'].sum())} of {len(table)} inside the 90% interval",
                 fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    return fig


FIGURES: dict[str, Callable[..., Figure]] = {
    "trace": trace,
    "rank": rank,
    "pair": pair,
    "forest": forest,
    "subjects": subject_effects,
    "energy": energy,
    "prior_posterior": prior_posterior,
    "ppc": ppc,
    "measurements": measurements,
}
"""Figure name (file stem) -> function, in report order."""


def _names(var_names: Sequence[str] | None) -> list[str] | None:
    return list(var_names) if var_names else None


def _figure(pc, title: str) -> Figure:
    """The matplotlib Figure of an arviz-plots PlotCollection, titled."""
    fig = pc.get_viz("figure")
    fig.set_layout_engine("constrained")  # arviz-plots sets none: a tall figure kept a wide empty band on top
    fig.suptitle(title)
    return fig


def _kde(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grid and density of a 1-D sample (ArviZ's KDE)."""
    grid, pdf, _ = array_stats.kde(np.asarray(values, dtype=float).ravel())
    return grid, pdf


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
        logged = _as_log10(da)
        if logged is not None:
            name, da = f"log10({name})", da.copy(data=logged)
        out[str(name)] = da
        labels.append(str(name))
    return xr.Dataset(out), labels


def _as_log10(da: xr.DataArray) -> np.ndarray | None:
    """log10 of a variable's values: for a variable already on a log scale (attribute ``parameter_scale``
    log or log10, as PEtab fits write) its values rescaled, for an all-positive one their log10, else None."""
    scale = da.attrs.get("parameter_scale")
    if scale in ("log", "log10"):
        return np.asarray(da.values, dtype=float) / (np.log(10.0) if scale == "log" else 1.0)
    values = np.asarray(da.values, dtype=float)
    return np.log10(values) if bool((values > 0).all()) else None


def _sample_stats(idata: xr.DataTree) -> dict:
    return {"sample_stats": idata["sample_stats"].to_dataset()} if "sample_stats" in idata.children else {}


def _units(idata: xr.DataTree) -> dict[str, str]:
    """Observable units from the fitted model named in the attrs, when the package knows it."""
    from ..registry import get_model

    try:
        name = getattr(idata, "attrs", {}).get("model") or idata.posterior.attrs.get("model", "")
        model = get_model(str(name))
    except Exception:  # unknown or absent model: plot without units
        return {}
    return {o.name: o.unit for o in model.observables}
