"""SALib-style problem dicts: validation, sampling of the input distribution, labels.

A problem is ``{'names': [...], 'bounds': [[lo, hi], ...], 'dists': [...] (optional)}``
with SALib's meaning of ``bounds`` per distribution ('unif': lower, upper; 'norm':
mean, sd; 'lognorm': log-mean, log-sd; ...).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import qmc
from SALib.util import scale_samples

from ..errors import ConfigError


def check_problem(problem: dict) -> dict:
    """A copy of ``problem`` with ``num_vars`` set; raise :class:`ConfigError` when malformed."""
    if "names" not in problem or "bounds" not in problem:
        raise ConfigError(f"a sensitivity problem needs 'names' and 'bounds', got keys {sorted(problem)}")
    names = list(problem["names"])
    bounds = np.asarray(problem["bounds"], dtype=float)
    if len(set(names)) != len(names) or not names:
        raise ConfigError(f"problem names must be unique and non-empty, got {names}")
    if bounds.shape != (len(names), 2) or not np.all(np.isfinite(bounds)):
        raise ConfigError(f"problem bounds must be {len(names)} finite [low, high] pairs, got {problem['bounds']}")
    dists = list(problem.get("dists") or ["unif"] * len(names))
    if len(dists) != len(names):
        raise ConfigError(f"problem has {len(names)} names but {len(dists)} dists")
    for name, (lo, hi), dist in zip(names, bounds, dists):
        if dist in ("unif", "logunif") and not lo < hi:
            raise ConfigError(f"bounds of {name!r} must satisfy low < high, got [{lo:g}, {hi:g}]")
    out = {**problem, "names": names, "bounds": bounds.tolist(), "num_vars": len(names)}
    if problem.get("dists"):
        out["dists"] = dists
    return out


def power_of_two(n: int, key: str) -> int:
    """``n`` itself, or :class:`ConfigError` unless it is a power of 2 (Sobol' balance)."""
    if int(n) < 2 or int(n) & (int(n) - 1):
        raise ConfigError(f"{key} must be a power of 2 (>= 2) for a balanced Sobol' sample, got {n}")
    return int(n)


def sample_inputs(problem: dict, n: int, *, seed: int) -> np.ndarray:
    """``n`` scrambled Sobol' points mapped through the problem's distributions."""
    problem = check_problem(problem)
    unit = qmc.Sobol(d=problem["num_vars"], scramble=True, seed=seed).random(power_of_two(n, "n"))
    return scale_samples(unit, problem)


def output_labels(names: Sequence[str] | None, k: int) -> list[str]:
    """Output names (``y0, y1, ...`` when not given), checked against ``k`` columns."""
    if names is None:
        return [f"y{j}" for j in range(k)] if k > 1 else ["y"]
    names = list(names)
    if len(names) != k:
        raise ConfigError(f"output_names has {len(names)} entries but the function returns {k} outputs")
    return names


def poincare_constants(problem: dict) -> np.ndarray:
    """Poincaré constants C_i of each input's distribution (NaN when not known in closed form).

    Uniform on [a, b]: (b - a)^2 / pi^2; normal with sd s: s^2. With them
    ST_i <= C_i nu_i / Var(f) (Sobol' & Kucherenko 2009; Lamboni et al. 2013).
    """
    problem = check_problem(problem)
    bounds = np.asarray(problem["bounds"])
    dists = problem.get("dists") or ["unif"] * problem["num_vars"]
    out = np.full(len(dists), np.nan)
    for i, dist in enumerate(dists):
        if dist == "unif":
            out[i] = (bounds[i, 1] - bounds[i, 0]) ** 2 / np.pi**2
        elif dist == "norm":
            out[i] = bounds[i, 1] ** 2
    return out
