"""SALib's Sobol' estimators and bootstrap, vectorised over parameters, pairs and resamples.

The same numbers as ``SALib.analyze.sobol.analyze`` (tested to 1e-10): the output
standardised, first order and total (Saltelli et al. 2010), second order (Saltelli 2002),
each normalised by the sample variance of [A; B], and confidence half-widths
``Z * sd(ddof=1)`` over bootstrap resamples of the base points. SALib loops in Python over
parameters and pairs, one (N, resamples) array at a time: 67 s for the 15 outputs of an
N = 8192, d = 12 study (benchmarks/RESULTS.md); here every resample's means are one matrix
product with the resample counts (157x faster per output at that size,
benchmarks/bench_sobol_analysis.py).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

EPS = np.finfo(float).eps


def bootstrap_rows(n: int, num_resamples: int, seed: int) -> np.ndarray:
    """SALib's resample indices ``(n, num_resamples)`` for ``seed`` (a truthy int)."""
    return np.random.default_rng(seed).integers(n, size=(n, num_resamples))


def split_design(y: np.ndarray, d: int, second_order: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Rows of a Saltelli design's output -> A (n,), B (n,), AB (n, d), BA (n, d) or None."""
    step = 2 * d + 2 if second_order else d + 2
    blocks = y.reshape(-1, step)
    return blocks[:, 0], blocks[:, step - 1], blocks[:, 1 : d + 1], blocks[:, d + 1 : 2 * d + 1] if second_order else None


def resample_counts(rows: np.ndarray) -> np.ndarray:
    """(n, R) resample indices -> (R, n) counts: how often each base point is in each resample."""
    n, r = rows.shape
    flat = rows.T + (np.arange(r) * n)[:, None]
    return np.bincount(flat.ravel(), minlength=n * r).reshape(r, n).astype(np.float64)


def sobol_indices(
    y: np.ndarray, d: int, *, second_order: bool, rows: np.ndarray, conf_level: float = 0.95
) -> dict[str, np.ndarray]:
    """S1, S1_conf, ST, ST_conf (d,) and S2, S2_conf (d, d; upper triangle) of one output column.

    ``rows`` are the bootstrap resamples of the base points (:func:`bootstrap_rows`). Every
    estimator is a ratio of means over base points, so a resample's means are a counts-weighted
    sum: all resamples at once are one matrix product with the (R, n) counts.
    """
    y = np.asarray(y, dtype=np.float64)
    if np.ptp(y) == 0.0:  # an output that does not vary (e.g. before an input's onset): every index is 0
        zeros = np.zeros(d)
        out = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
        if second_order:
            upper = np.triu(np.ones((d, d), bool), k=1)
            out["S2"] = out["S2_conf"] = np.where(upper, 0.0, np.nan)
        return out
    y = (y - y.mean()) / y.std()
    a, b, ab, ba = split_design(y, d, second_order)
    n = a.shape[0]
    counts = resample_counts(rows)
    z = norm.ppf(0.5 + conf_level / 2)
    full = _estimates(lambda q: q.mean(axis=0), a, b, ab, ba)
    boot = _estimates(lambda q: (counts @ q.reshape(n, -1)).reshape(-1, *q.shape[1:]) / n, a, b, ab, ba)
    used = counts.sum(axis=0) > 0
    spread = np.ptp(np.r_[a[used], b[used]]) != 0.0
    out = {}
    for key in ("S1", "ST") + (("S2",) if second_order else ()):
        out[key] = full[key]
        out[f"{key}_conf"] = z * boot[key].std(axis=0, ddof=1) if spread else np.zeros_like(full[key])
    if second_order:
        upper = np.triu(np.ones((d, d), bool), k=1)
        out["S2"], out["S2_conf"] = np.where(upper, out["S2"], np.nan), np.where(upper, out["S2_conf"], np.nan)
    return out


def _estimates(mean, a, b, ab, ba) -> dict[str, np.ndarray]:
    """S1, ST (..., d) and S2 (..., d, d) with ``mean`` the average over base points (leading axis)."""
    centre = (mean(a) + mean(b)) / 2
    var = (mean(a**2) + mean(b**2)) / 2 - centre**2  # variance of [A; B]
    constant = np.ptp(np.r_[a, b]) <= EPS
    inv = np.where((var > EPS) & ~constant, 1.0 / np.where(var > EPS, var, 1.0), 0.0)[..., None]
    out = {
        "S1": mean(b[:, None] * (ab - a[:, None])) * inv,
        "ST": 0.5 * mean((a[:, None] - ab) ** 2) * inv,
    }
    if ba is not None:
        cross = mean(ba[:, :, None] * ab[:, None, :]) - mean(a * b)[..., None, None]  # V_jk = mean(BA_j AB_k - A B)
        out["S2"] = cross * inv[..., None] - out["S1"][..., :, None] - out["S1"][..., None, :]
    return out
