"""Sobol' indices (first, total, second order) with bootstrap confidence intervals.

Sampling is SALib's (``SALib.sample.sobol.sample``); the estimators and their bootstrap are
SALib's ``SALib.analyze.sobol.analyze``, computed by :mod:`.saltelli` (the same numbers, vectorised
over parameters, pairs and resamples); evaluation is an :mod:`.evaluators` strategy.

The tidy result has one row per (parameter, output) with ``kind = 'first_total'`` and
columns ``S1, S1_conf, ST, ST_conf``; with ``second_order=True`` it also has one row per
(pair, output) with ``kind = 'second'``, ``parameter = 'a:b'`` and ``S2, S2_conf``
(the columns that do not apply are NaN). ``*_conf`` is the half-width of the bootstrap
interval at ``conf_level``; ``ci_overlaps_zero`` flags indices whose interval reaches 0.
``frame.attrs['failures']`` holds the failure report.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from SALib.sample import sobol as sobol_sample

from .evaluate import BatchFunction, FailurePolicy, apply_policy
from .evaluators import Evaluator, InProcess
from .problem import check_problem, output_labels, power_of_two
from .saltelli import bootstrap_rows, sobol_indices

KINDS = ("first_total", "second")


def block_size(d: int, second_order: bool) -> int:
    """Rows per base point of a Saltelli design."""
    return 2 * d + 2 if second_order else d + 2


def sample(problem: dict, n: int, *, seed: int, second_order: bool = True) -> np.ndarray:
    """Saltelli design of ``n`` base points (SALib's scrambled Sobol' sequence)."""
    problem = check_problem(problem)
    power_of_two(n, "n")
    return sobol_sample.sample(problem, n, calc_second_order=second_order, scramble=True, seed=seed)


def first_order_rows(d: int, n_rows: int) -> np.ndarray:
    """Row indices of a second-order design that form the first-order design (A, AB_i, B)."""
    step = block_size(d, True)
    within = np.r_[0 : d + 1, step - 1]
    return (np.arange(n_rows // step)[:, None] * step + within[None, :]).ravel()


def analyze(
    problem: dict,
    Y: np.ndarray,
    failed: np.ndarray | None = None,
    *,
    seed: int,
    second_order: bool = True,
    output_names: Sequence[str] | None = None,
    failure_policy: FailurePolicy = "exclude",
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Tidy Sobol indices of every column of ``Y`` (rows in the Saltelli design's order)."""
    problem = check_problem(problem)
    Y = np.asarray(Y, dtype=np.float64).reshape(np.shape(Y)[0], -1)
    failed = np.zeros(Y.shape[0], bool) if failed is None else np.asarray(failed, bool)
    step = block_size(problem["num_vars"], second_order)
    if Y.shape[0] % step:
        raise ValueError(f"{Y.shape[0]} rows is not a multiple of the design block ({step}); second_order mismatch?")
    keep, report = apply_policy(failed, block_size=step, policy=failure_policy, method="sobol")
    names = output_labels(output_names, Y.shape[1])
    d = problem["num_vars"]
    rows = bootstrap_rows(int(keep.sum()) // step, num_resamples, _analyzer_seed(seed))
    frames = []
    for j, name in enumerate(names):
        res = sobol_indices(Y[keep, j], d, second_order=second_order, rows=rows, conf_level=conf_level)
        frames.append(_tidy(res, problem["names"], name, second_order))
    frame = pd.concat(frames, ignore_index=True)
    frame["ci_overlaps_zero"] = _overlaps_zero(frame)
    frame.attrs["failures"] = report.as_dict()
    frame.attrs["n"] = int(keep.sum() // step)
    return frame


def sobol(
    f: BatchFunction,
    problem: dict,
    *,
    n: int,
    seed: int,
    second_order: bool = True,
    output_names: Sequence[str] | None = None,
    failure_policy: FailurePolicy = "exclude",
    evaluator: Evaluator = InProcess(),
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Sobol' S1, ST (and S2) of ``f`` over ``problem`` from ``n`` base points (a power of 2).

    ``f`` maps an (m, d) array to (m,) or (m, k) (or ``(outputs, ok)``); ``seed`` seeds
    both SALib's sampler (scrambling) and its bootstrap.
    """
    X = sample(problem, n, seed=seed, second_order=second_order)
    ev = evaluator.evaluate(f, X, desc="sobol")
    return analyze(
        problem, ev.values, ev.failed, seed=seed, second_order=second_order, output_names=output_names,
        failure_policy=failure_policy, num_resamples=num_resamples, conf_level=conf_level,
    )


def long_format(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per index: ``index`` (S1/ST/S2), ``value``, ``conf``, ``ci_low``, ``ci_high``, flag."""
    rows = []
    for index, kind in (("S1", "first_total"), ("ST", "first_total"), ("S2", "second")):
        part = frame[frame["kind"] == kind]
        if part.empty:
            continue
        extra = [c for c in part.columns if c not in {"S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf", "kind", "ci_overlaps_zero"}]
        out = part[extra].copy()
        out.insert(0, "index", index)
        out["value"] = part[index].to_numpy()
        out["conf"] = part[f"{index}_conf"].to_numpy()
        rows.append(out)
    long = pd.concat(rows, ignore_index=True)
    long["ci_low"] = long["value"] - long["conf"]
    long["ci_high"] = long["value"] + long["conf"]
    long["ci_overlaps_zero"] = ~(long["ci_low"] > 0)
    return long


def _tidy(res, names: Sequence[str], output: str, second_order: bool) -> pd.DataFrame:
    first = pd.DataFrame(
        {"kind": "first_total", "parameter": list(names), "output": output, "S1": res["S1"],
         "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]}
    )
    if not second_order:
        return first
    i, j = np.triu_indices(len(names), k=1)
    second = pd.DataFrame(
        {"kind": "second", "parameter": [f"{names[a]}:{names[b]}" for a, b in zip(i, j)], "output": output,
         "S2": np.asarray(res["S2"])[i, j], "S2_conf": np.asarray(res["S2_conf"])[i, j]}
    )
    return pd.concat([first, second], ignore_index=True)


def _overlaps_zero(frame: pd.DataFrame) -> np.ndarray:
    """Whether the interval of the row's main index (ST, or S2 for pairs) reaches zero."""
    main = np.where(frame["kind"] == "second", frame.get("S2", np.nan), frame["ST"])
    conf = np.where(frame["kind"] == "second", frame.get("S2_conf", np.nan), frame["ST_conf"])
    return ~(np.asarray(main - conf, dtype=float) > 0)


def _analyzer_seed(seed: int) -> int:
    # SALib ignores a falsy seed (``if seed:``): seed + 1 keeps seed 0 comparable with SALib.
    return int(seed) + 1
