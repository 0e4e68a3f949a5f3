"""A whole sensitivity study from one set of options: Sobol' at the horizons and over a time
grid, its convergence with N, Morris and DGSM; tidy frames, no I/O.

The study takes a *timed problem*: ``build(times_days)`` returns an object with ``problem``
(a SALib-style dict), ``f`` (the batch function) and ``columns`` (one row per output column:
``column``, ``output``, ``time_days``). One Saltelli design at max(n, convergence N) is evaluated
once, saving every output at the horizons and on the grid; the main analysis uses its leading
``n`` blocks (identical to a design sampled at ``n`` with the same seed), the time-grid analysis
its first-order rows, and the convergence study its leading blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from .convergence import convergence_from
from .dgsm import dgsm
from .evaluate import BatchFunction
from .evaluators import Evaluator, InProcess
from .morris import morris
from .options import StudyOptions
from .sobol import analyze, block_size, first_order_rows, long_format, sample

DAYS_PER_YEAR = 365.25


class TimedProblem(Protocol):
    problem: dict
    f: BatchFunction
    columns: pd.DataFrame


@dataclass
class StudyResult:
    sobol: pd.DataFrame
    """Horizon indices (S1/ST/S2 rows, one per parameter/pair, output and time)."""
    sobol_time: pd.DataFrame
    convergence: pd.DataFrame
    morris: pd.DataFrame
    dgsm: pd.DataFrame
    failures: dict = field(default_factory=dict)


def annotate(frame: pd.DataFrame, timed: TimedProblem) -> pd.DataFrame:
    """Replace column labels in ``output`` by observable, ``time_days``, ``time_years``, ``label``."""
    cols = timed.columns.set_index("column")
    out = frame.rename(columns={"output": "label"}).copy()
    out.insert(out.columns.get_loc("label"), "output", cols.loc[out["label"], "output"].to_numpy())
    out.insert(out.columns.get_loc("label"), "time_days", cols.loc[out["label"], "time_days"].to_numpy())
    out.insert(out.columns.get_loc("label"), "time_years", out["time_days"] / DAYS_PER_YEAR)
    out["label"] = [f"{o} @ {t:g} y" for o, t in zip(out["output"], np.round(out["time_years"], 2))]
    return out


def column_indices(timed: TimedProblem, times_days: Sequence[float]) -> np.ndarray:
    """Indices of the output columns at the given times (all outputs)."""
    wanted = np.isin(np.round(timed.columns["time_days"].to_numpy(), 9), np.round(np.asarray(times_days, float), 9))
    return np.flatnonzero(wanted)


def run_study(
    build: Callable[[Sequence[float]], TimedProblem],
    *,
    horizon_days: Sequence[float],
    grid_days: Sequence[float],
    options: StudyOptions,
    seed: int,
    sobol_evaluator: Evaluator | None = None,
    evaluator: Evaluator | None = None,
) -> StudyResult:
    """Every analysis for the problem ``build`` makes: Sobol' over ``horizon_days`` and
    ``grid_days``, convergence, Morris and DGSM at the horizons.

    ``evaluator`` runs Morris and DGSM (default: in process over ``options.devices``);
    ``sobol_evaluator`` the Sobol' design (default: ``evaluator``).
    """
    s = options
    evaluator = evaluator or InProcess(chunk=s.chunk, devices=s.devices)
    sobol_evaluator = sobol_evaluator or evaluator
    times = sorted({round(float(t), 9) for t in [*horizon_days, *grid_days]})  # one column per distinct day
    timed = build(times)
    d = timed.problem["num_vars"]
    horizon = column_indices(timed, horizon_days)
    labels = timed.columns["column"].tolist()
    common = dict(failure_policy=s.failure_policy, num_resamples=s.num_resamples)

    n_eval = max([s.n, *s.convergence_n])
    X = sample(timed.problem, n_eval, seed=seed, second_order=s.second_order)
    ev = sobol_evaluator.evaluate(timed.f, X, desc="sobol")
    rows = s.n * block_size(d, s.second_order)
    main = analyze(
        timed.problem, ev.values[:rows, horizon], ev.failed[:rows], seed=seed, second_order=s.second_order,
        output_names=[labels[j] for j in horizon], conf_level=s.conf_level, **common,
    )
    first = first_order_rows(d, rows) if s.second_order else np.arange(rows)
    over_time = analyze(
        timed.problem, ev.values[first], ev.failed[first], seed=seed, second_order=False, output_names=labels,
        conf_level=s.conf_level, **common,
    )
    conv = convergence_from(
        timed.problem, ev.values[:, horizon], ev.failed, ns=s.convergence_n, seed=seed, second_order=s.second_order,
        output_names=[labels[j] for j in horizon], **common,
    )
    at_horizons = build(horizon_days)
    names = at_horizons.columns["column"].tolist()
    mor = morris(
        at_horizons.f, timed.problem, trajectories=s.morris.trajectories, levels=s.morris.levels, seed=seed,
        output_names=names, evaluator=evaluator, **common,
    )
    dg = dgsm(
        at_horizons.f, timed.problem, n=s.dgsm_n, seed=seed, output_names=names, failure_policy=s.failure_policy,
        evaluator=evaluator.limited(1024),
    )
    failures = {"sobol_design": {"n_evaluations": int(ev.failed.size), "n_failed": ev.n_failed},
                **{k: f.attrs["failures"] for k, f in (("sobol", main), ("sobol_time", over_time), ("morris", mor), ("dgsm", dg))}}
    return StudyResult(sobol=annotate(main, timed), sobol_time=annotate(over_time, timed), convergence=annotate(conv, timed),
                       morris=annotate(mor, at_horizons), dgsm=annotate(dg, at_horizons), failures=failures)


def tidy_tables(result: StudyResult) -> dict[str, pd.DataFrame]:
    """The CSV tables of a study (Sobol' in long format: one row per index)."""
    return {
        "sobol.csv": long_format(result.sobol),
        "sobol_time.csv": long_format(result.sobol_time),
        "convergence.csv": long_format(result.convergence),
        "morris.csv": result.morris,
        "dgsm.csv": result.dgsm,
    }
