"""The whole bone-model GSA of the ``gsa`` stage: Sobol' (horizons and time grid),
convergence, Morris and DGSM from one set of settings; tidy frames, no I/O.

One Saltelli design at max(n, convergence N) is evaluated once, saving every output
at the horizons and on the time grid; the main analysis uses its leading ``n`` blocks
(identical to a design sampled at ``n`` with the same seed), the time-grid analysis its
first-order rows, and the convergence study its leading blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd

from ..simulate import SolverConfig
from .bone import FORWARD, BoneGSA, bone_problem
from .convergence import convergence_from
from .dgsm import dgsm
from .engine import evaluate_chunked
from .processes import evaluate_in_processes
from .morris import morris
from .sobol import analyze, block_size, first_order_rows, long_format, sample
from .settings import GsaSettings


@dataclass
class StudyResult:
    sobol: pd.DataFrame
    """Horizon indices (S1/ST/S2 rows, one per parameter/pair, output and time)."""
    sobol_time: pd.DataFrame
    convergence: pd.DataFrame
    morris: pd.DataFrame
    dgsm: pd.DataFrame
    failures: dict = field(default_factory=dict)


def annotate(frame: pd.DataFrame, gsa: BoneGSA) -> pd.DataFrame:
    """Replace column labels in ``output`` by observable, ``time_days``, ``time_years``, ``label``."""
    cols = gsa.columns.set_index("column")
    out = frame.rename(columns={"output": "label"}).copy()
    out.insert(out.columns.get_loc("label"), "output", cols.loc[out["label"], "output"].to_numpy())
    out.insert(out.columns.get_loc("label"), "time_days", cols.loc[out["label"], "time_days"].to_numpy())
    out.insert(out.columns.get_loc("label"), "time_years", out["time_days"] / 365.25)
    out["label"] = [f"{o} @ {t:g} y" for o, t in zip(out["output"], np.round(out["time_years"], 2))]
    return out


def bone_function(bounds: dict, times_days, outputs, solver: SolverConfig, model: str):
    """The batch function of :func:`bone_problem` (module level: worker processes rebuild it)."""
    return bone_problem(bounds, times_days=times_days, outputs=outputs, solver=solver, model=model).f


def run_study(
    bounds: dict, settings: GsaSettings, *, seed: int, solver: SolverConfig = FORWARD,
    model: str = "bone_inflammation", progress: bool = True,
) -> StudyResult:
    """Every analysis of the ``gsa`` stage for parameter ``bounds`` (name -> [low, high])."""
    s = settings
    processes = 1
    if solver.uses_lineax and s.devices > 1:
        # lineax (the Kvaerno solvers' linear solves) rejects shard_map's and pmap's sharded
        # shapes, and dispatching one computation per host device deadlocks XLA's CPU runtime:
        # the Sobol' design is spread over worker processes instead, the rest runs on one device.
        processes, s = s.devices, replace(s, devices=1)
    times = sorted(set(s.horizon_days) | set(map(float, s.time_grid_days)))
    gsa = bone_problem(bounds, times_days=times, outputs=s.outputs, solver=solver, model=model)
    d = gsa.problem["num_vars"]
    horizon = gsa.at(s.horizon_days)
    labels = gsa.columns["column"].tolist()
    common = dict(failure_policy=s.failure_policy, num_resamples=s.num_resamples)

    n_eval = max([s.n, *s.convergence_n])
    X = sample(gsa.problem, n_eval, seed=seed, second_order=s.second_order)
    if processes > 1:
        factory = partial(bone_function, dict(bounds), times, tuple(s.outputs), solver, model)
        ev = evaluate_in_processes(factory, X, processes=processes, chunk=s.chunk, progress=progress, desc="sobol")
    else:
        ev = evaluate_chunked(gsa.f, X, chunk=s.chunk, devices=s.devices, progress=progress, desc="sobol")
    rows = s.n * block_size(d, s.second_order)
    main = analyze(
        gsa.problem, ev.values[:rows, horizon], ev.failed[:rows], seed=seed, second_order=s.second_order,
        output_names=[labels[j] for j in horizon], conf_level=s.conf_level, **common,
    )
    first = first_order_rows(d, rows) if s.second_order else np.arange(rows)
    over_time = analyze(
        gsa.problem, ev.values[first], ev.failed[first], seed=seed, second_order=False, output_names=labels,
        conf_level=s.conf_level, **common,
    )
    conv = convergence_from(
        gsa.problem, ev.values[:, horizon], ev.failed, ns=s.convergence_n, seed=seed, second_order=s.second_order,
        output_names=[labels[j] for j in horizon], **common,
    )
    horizon_gsa = bone_problem(bounds, times_days=s.horizon_days, outputs=s.outputs, solver=solver, model=model)
    mor = morris(
        horizon_gsa.f, gsa.problem, trajectories=int(s.morris.get("trajectories", 64)), levels=int(s.morris.get("levels", 4)),
        seed=seed, output_names=horizon_gsa.columns["column"].tolist(), chunk=s.chunk, devices=s.devices,
        progress=progress, **common,
    )
    dg = dgsm(
        horizon_gsa.f, gsa.problem, n=s.dgsm_n, seed=seed, output_names=horizon_gsa.columns["column"].tolist(),
        failure_policy=s.failure_policy, chunk=min(s.chunk, 1024), devices=s.devices, progress=progress,
    )
    failures = {
        "sobol_design": {"n_evaluations": int(ev.failed.size), "n_failed": ev.n_failed},
        "sobol": main.attrs["failures"], "sobol_time": over_time.attrs["failures"],
        "morris": mor.attrs["failures"], "dgsm": dg.attrs["failures"],
    }
    return StudyResult(
        sobol=annotate(main, gsa), sobol_time=annotate(over_time, gsa), convergence=annotate(conv, gsa),
        morris=annotate(mor, horizon_gsa), dgsm=annotate(dg, horizon_gsa), failures=failures,
    )


def tidy_tables(result: StudyResult) -> dict[str, pd.DataFrame]:
    """The CSV tables of the stage (Sobol' in long format: one row per index)."""
    return {
        "sobol.csv": long_format(result.sobol),
        "sobol_time.csv": long_format(result.sobol_time),
        "convergence.csv": long_format(result.convergence),
        "morris.csv": result.morris,
        "dgsm.csv": result.dgsm,
    }
