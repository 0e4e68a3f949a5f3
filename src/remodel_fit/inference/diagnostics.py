"""Diagnostics of a fit: pure functions of its ArviZ ``xarray.DataTree`` (docs/architecture.md).

- :func:`summary`: ArviZ's table (R-hat, bulk/tail ESS, MCSE, 90% HDI) with the variable as a column.
- :func:`gates`: the pass/fail gates (R-hat, ESS, divergences, failed solves).
- :func:`score_recovery` / :func:`coverage`: a synthetic fit scored against its true parameters.
- :func:`predictive_bands`: posterior-predictive quantiles per (observable, group, time).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from ..errors import DataError
from .gates import GateThresholds

HDI_PROB = 0.9
NONCENTRED_SUFFIX = "_z"
"""Posterior variables ending so are the standard-normal latents of non-centred subject effects."""
BAND_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_SAMPLE_DIMS = ("chain", "draw")


def is_internal(name: str) -> bool:
    """A reparametrisation latent (``P_z``), not a model quantity: gated, but not scored or plotted."""
    return str(name).endswith(NONCENTRED_SUFFIX)


def summary(idata: xr.DataTree, var_names: Sequence[str] | None = None) -> pd.DataFrame:
    """``az.summary`` of the posterior (90% HDI, unrounded), the variable name in column ``variable``."""
    table = az.summary(idata, var_names=list(var_names) if var_names else None, ci_prob=HDI_PROB, ci_kind="hdi",
                       round_to="none")
    label = f"hdi{round(HDI_PROB * 100)}"
    lo, hi = (1 - HDI_PROB) / 2 * 100, (1 + HDI_PROB) / 2 * 100
    table = pd.DataFrame(table).rename(columns={f"{label}_lb": f"hdi_{lo:g}%", f"{label}_ub": f"hdi_{hi:g}%"})
    return table.rename_axis("variable").reset_index()


# ---------------------------------------------------------------------------- gates


def gates(idata: xr.DataTree, **thresholds: float) -> dict[str, Any]:
    """Each gate's value, threshold, rule and verdict, plus the overall ``passed``.

    ``thresholds`` override :class:`GateThresholds`. R-hat and ESS run over every element of
    every posterior variable, skipping elements that never vary (deterministic constants);
    ``worst`` names the element that decides the gate. A statistic that is NaN (e.g. a single
    chain) or a sample-stat that is missing fails.
    """
    limits = GateThresholds(**thresholds)
    rhat_max, ess_min = limits.rhat_max, limits.ess_min
    max_divergences, max_failed_solves = limits.max_divergences, limits.max_failed_solves
    post = idata.posterior.to_dataset()
    rhat = _per_element(az.rhat(post), post)
    bulk = _per_element(az.ess(post, method="bulk"), post)
    tail = _per_element(az.ess(post, method="tail"), post)
    result = {
        "r_hat": _gate(rhat, rhat_max, worst="max"),
        "ess_bulk": _gate(bulk, ess_min, worst="min"),
        "ess_tail": _gate(tail, ess_min, worst="min"),
        "divergences": _count_gate(idata, "diverging", max_divergences),
        "failed_solves": _count_gate(idata, "failed_solves", max_failed_solves),
    }
    failed = [name for name, g in result.items() if not g["passed"]]
    return {
        "passed": not failed,
        "failed": failed,
        "n_chains": int(post.sizes["chain"]),
        "n_draws": int(post.sizes["draw"]),
        "gates": result,
    }


def gate_message(report: Mapping[str, Any]) -> str:
    """One line naming each failed gate with its value and threshold."""
    parts = []
    for name in report["failed"]:
        g = report["gates"][name]
        worst = f" at {g['worst']}" if g.get("worst") else ""
        parts.append(f"{name} = {_fmt(g['value'])}{worst} (needs {g['rule']})")
    return "; ".join(parts) if parts else "all gates passed"


def _per_element(stat, post) -> dict[str, float]:
    """Flatten a per-variable statistic to ``label -> value``, dropping constant elements."""
    out: dict[str, float] = {}
    for name, da in stat.data_vars.items():
        spread = (post[name].max(_SAMPLE_DIMS) - post[name].min(_SAMPLE_DIMS)).values
        for idx in np.ndindex(da.shape):
            if spread[idx] == 0:
                continue
            out[_label(name, da, idx)] = float(da.values[idx])
    return out


def _label(name: str, da, idx: tuple[int, ...]) -> str:
    if not idx:
        return name
    coords = [str(da[dim].values[i]) if dim in da.coords else str(i) for dim, i in zip(da.dims, idx)]
    return f"{name}[{','.join(coords)}]"


def _gate(values: Mapping[str, float], threshold: float, *, worst: str) -> dict[str, Any]:
    rule = f"{worst} {'<=' if worst == 'max' else '>='} {threshold:g}"
    if not values:
        return {"value": None, "threshold": threshold, "rule": rule, "worst": None, "passed": False,
                "note": "no varying posterior variable"}
    nan = [k for k, v in values.items() if math.isnan(v)]
    if nan:
        return {"value": None, "threshold": threshold, "rule": rule, "worst": nan[0], "passed": False,
                "note": f"statistic is NaN for {len(nan)} element(s) (fewer than 2 chains?)"}
    pick = max if worst == "max" else min
    key = pick(values, key=values.__getitem__)
    value = values[key]
    passed = value <= threshold if worst == "max" else value >= threshold
    return {"value": value, "threshold": threshold, "rule": rule, "worst": key, "passed": bool(passed)}


def _count_gate(idata: xr.DataTree, stat: str, threshold: int) -> dict[str, Any]:
    rule = f"total <= {threshold}"
    stats = getattr(idata, "sample_stats", None)
    if stats is None or stat not in stats:
        return {"value": None, "threshold": threshold, "rule": rule, "passed": False,
                "note": f"sample_stats.{stat} is missing"}
    total = int(np.asarray(stats[stat].values, dtype=np.int64).sum())
    return {"value": total, "threshold": threshold, "rule": rule, "passed": total <= threshold}


def _fmt(value: Any) -> str:
    if value is None:
        return "NaN"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


# ------------------------------------------------------------------------- recovery


def normalise_truth(truth: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten a truth file to posterior names: ``name -> float`` and ``P_subject -> {subject: float}``.

    Accepts a flat mapping (``{"k": 1.0, "P_subject": {"s1": 0.9}}``) and the synthetic cohort's
    ``truth.json``: ``population`` (or ``parameters``) values; ``subjects`` as
    ``{s: {"parameters": {P: v}}}`` (or ``{s: {P: v}}``) giving ``P_subject``;
    ``random_effects_sd`` ``{P: sd}`` giving ``P_sd``; ``noise_cv`` ``{obs: cv}`` giving the
    log-normal ``sigma_<obs> = sqrt(log(1 + cv^2))``. Non-numeric entries are dropped.
    """
    flat: dict[str, Any] = {}
    for key, value in truth.items():
        if key in ("population", "parameters") and isinstance(value, Mapping):
            flat.update(normalise_truth(value))
        elif key in ("subjects", "subject_parameters") and isinstance(value, Mapping):
            for subject, entry in value.items():
                params = entry.get("parameters", entry) if isinstance(entry, Mapping) else {}
                for p, v in params.items():
                    if _is_number(v):
                        flat.setdefault(f"{p}_subject", {})[str(subject)] = float(v)
        elif key == "random_effects_sd" and isinstance(value, Mapping):
            flat.update({f"{p}_sd": float(v) for p, v in value.items() if _is_number(v)})
        elif key == "noise_cv" and isinstance(value, Mapping):
            flat.update({f"sigma_{o}": math.sqrt(math.log1p(float(cv) ** 2)) for o, cv in value.items()
                         if _is_number(cv)})
        elif _is_number(value) or isinstance(value, (Mapping, list, tuple)):
            flat[key] = value
    return flat


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def score_recovery(idata: xr.DataTree, truth: Mapping[str, Any]) -> pd.DataFrame:
    """Score every posterior variable that has a true value: one row per parameter (or subject).

    Non-centred latents (``P_z``) are skipped: ``P_subject`` carries the subject-level truth.

    Columns: ``parameter``, ``subject`` ("" for population parameters), ``true``, ``median``,
    ``q05``, ``q25``, ``q75``, ``q95``, ``inside_50``, ``inside_90``, ``rel_error``
    ((median − true)/|true|). Subject effects ``P_subject`` take the truth as a mapping
    subject → value (or a list in the posterior's subject order).
    """
    post = idata.posterior
    flat = normalise_truth(truth)
    names = [n for n in post.data_vars if n in flat and not is_internal(n)]
    if not names:
        raise DataError(
            f"truth names none of the posterior variables ({', '.join(map(str, post.data_vars))}); "
            f"truth keys: {', '.join(flat) or 'none'}"
        )
    rows = []
    for name in names:
        da = post[name]
        extra = [d for d in da.dims if d not in _SAMPLE_DIMS]
        if not extra:
            rows.append(_row(name, "", flat[name], da.values.ravel()))
            continue
        if extra != ["subject"]:
            raise DataError(f"cannot score {name}: dims {tuple(da.dims)}, expected (chain, draw[, subject])")
        subjects = [str(s) for s in da["subject"].values]
        true = flat[name]
        if not isinstance(true, Mapping):
            if np.ndim(true) == 0 or len(true) != len(subjects):
                raise DataError(f"truth of {name}: expected one value per subject ({len(subjects)}), got {true!r}")
            true = dict(zip(subjects, true))
        for i, subject in enumerate(subjects):
            if subject in true:
                rows.append(_row(name, subject, true[subject], da.isel(subject=i).values.ravel()))
    return pd.DataFrame(rows)


def _row(name: str, subject: str, true: float, draws: np.ndarray) -> dict[str, Any]:
    true = float(true)
    q05, q25, median, q75, q95 = np.quantile(draws, BAND_QUANTILES)
    return {
        "parameter": name,
        "subject": subject,
        "true": true,
        "median": median,
        "q05": q05,
        "q25": q25,
        "q75": q75,
        "q95": q95,
        "inside_50": bool(q25 <= true <= q75),
        "inside_90": bool(q05 <= true <= q95),
        "rel_error": (median - true) / abs(true) if true != 0 else math.nan,
    }


def coverage(recovery: pd.DataFrame) -> dict[str, Any]:
    """Fractions of true values inside the 50% and 90% intervals: all, population, subject rows."""
    kinds = {
        "all": recovery,
        "population": recovery[recovery["subject"] == ""],
        "subject": recovery[recovery["subject"] != ""],
    }
    out: dict[str, Any] = {"nominal": {"inside_50": 0.5, "inside_90": 0.9}}
    for kind, rows in kinds.items():
        n = len(rows)
        out[kind] = {
            "n": n,
            "inside_50": float(rows["inside_50"].mean()) if n else None,
            "inside_90": float(rows["inside_90"].mean()) if n else None,
            "median_abs_rel_error": float(rows["rel_error"].abs().median()) if n else None,
        }
    out["outside_90"] = [
        f"{r.parameter}[{r.subject}]" if r.subject else r.parameter
        for r in recovery.itertuples() if not r.inside_90
    ]
    return out


# ---------------------------------------------------------------- predictive bands


def predictive_bands(idata: xr.DataTree, group: str = "posterior_predictive") -> pd.DataFrame:
    """Quantiles of ``<group>.y`` pooled over draws and the group's subjects at each observed time.

    One row per (observable, group, time) in order of first appearance, with ``q05`` … ``q95``,
    the number of subjects pooled ``n_subjects`` and the observed values' median ``observed_median``.
    """
    obs = idata.observed_data["y"]
    meta = pd.DataFrame({
        key: np.asarray(obs[key].values) for key in ("observable", "group", "time", "subject")
    })
    meta["observed"] = np.asarray(obs.values, dtype=float)
    pred = getattr(idata, group)["y"].stack(sample=_SAMPLE_DIMS).transpose("measurement", "sample").values
    rows = []
    for (observable, grp, time), where in meta.groupby(["observable", "group", "time"], sort=False).groups.items():
        cols = np.asarray(where)
        qs = np.nanquantile(pred[cols], BAND_QUANTILES)
        rows.append({
            "observable": observable, "group": grp, "time": float(time),
            **{f"q{round(q * 100):02d}": v for q, v in zip(BAND_QUANTILES, qs)},
            "n_subjects": int(meta.loc[cols, "subject"].nunique()),
            "observed_median": float(meta.loc[cols, "observed"].median()),
        })
    return pd.DataFrame(rows).sort_values(["observable", "group", "time"], kind="stable",
                                          key=lambda c: _first_seen_key(c, meta)).reset_index(drop=True)


def measurement_coverage(idata: xr.DataTree, level: float = 0.9, group: str = "posterior_predictive") -> pd.DataFrame:
    """Each measurement with its central ``level`` predictive interval (``low``, ``high``, median ``q50``) and
    whether the observation lies inside (``inside``)."""
    obs = idata.observed_data["y"]
    frame = pd.DataFrame({key: np.asarray(obs[key].values) for key in ("subject", "group", "observable", "time")})
    frame["observed"] = np.asarray(obs.values, dtype=float)
    pred = getattr(idata, group)["y"].stack(sample=_SAMPLE_DIMS).transpose("measurement", "sample").values
    tail = (1.0 - level) / 2.0
    frame["low"], frame["q50"], frame["high"] = np.nanquantile(pred, [tail, 0.5, 1.0 - tail], axis=1)
    frame["inside"] = (frame["observed"] >= frame["low"]) & (frame["observed"] <= frame["high"])
    return frame


def _first_seen_key(column: pd.Series, meta: pd.DataFrame) -> pd.Series:
    if column.name == "time":
        return column
    order = {v: i for i, v in enumerate(pd.unique(meta[column.name]))}
    return column.map(order)
