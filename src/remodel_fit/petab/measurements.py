"""The PEtab measurement table as arrays: experiments (pre-equilibration, simulation condition),
padded output times, the row-to-(experiment, time) map and the per-row placeholder values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import PetabError
from .observables import PetabObservable
from .tables import resolve

PRE = "preequilibrationConditionId"


@dataclass
class MeasurementArrays:
    """Everything the simulator and the likelihood need from the measurement table."""

    experiments: list[tuple[str | None, str]]
    preequilibration_ids: list[str]
    ts: np.ndarray
    t1: np.ndarray
    row_experiment: np.ndarray
    row_time_index: np.ndarray
    times: np.ndarray
    values: np.ndarray
    observable_parameters: tuple[np.ndarray, np.ndarray, np.ndarray]
    noise_parameters: tuple[np.ndarray, np.ndarray, np.ndarray]
    rows_by_observable: dict[str, np.ndarray]


def _none(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or v == "" else v


def check_rows(mdf: pd.DataFrame, observables: dict, path: str) -> None:
    """Unknown observables, missing or non-finite values and steady-state (inf) times raise naming ``path``."""
    for col in ("observableId", "simulationConditionId", "time", "measurement"):
        if col not in mdf:
            raise PetabError(f"{path}: the measurement table has no column {col!r}")
    for r, (oid, t, m) in enumerate(zip(mdf["observableId"], mdf["time"], mdf["measurement"])):
        line = f"{path}: row {r + 2}"
        if oid not in observables:
            raise PetabError(f"{line}: unknown observable {oid!r} (not in the observable table)")
        try:
            t, m = float(t), float(m)
        except (TypeError, ValueError):
            raise PetabError(f"{line}: time and measurement must be numbers, got {t!r}, {m!r}") from None
        if np.isinf(t):
            raise PetabError(f"{line}: steady-state measurements (time = inf) are not supported")
        if not np.isfinite(m):
            raise PetabError(f"{line}: measurement {m!r} is not finite")


def _placeholders(mdf, col, observables, count, index, path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_rows = len(mdf)
    nmax = max([count(o) for o in observables.values()] + [1])
    isp, idx, const = np.zeros((n_rows, nmax), bool), np.zeros((n_rows, nmax), int), np.zeros((n_rows, nmax))
    cells = mdf[col] if col in mdf else [np.nan] * n_rows
    for r, (oid, val) in enumerate(zip(mdf["observableId"], cells)):
        n = count(observables[oid])
        if n == 0:
            continue
        where = f"{path}: row {r + 2}, column {col!r}"
        if _none(val) is None:
            raise PetabError(f"{where}: observable {oid!r} needs {n} value(s), the cell is empty")
        vals = str(val).split(";") if isinstance(val, str) else [val]
        if len(vals) != n:
            raise PetabError(f"{where}: observable {oid!r} needs {n} value(s), got {len(vals)}")
        for j, v in enumerate(vals):
            isp[r, j], idx[r, j], const[r, j] = resolve(v, index, where)
    return isp, idx, const


def read_measurements(mdf: pd.DataFrame, observables: dict[str, PetabObservable], index: dict[str, int],
                      path: str) -> MeasurementArrays:
    """Group the rows into experiments and time grids; ``path`` names the file(s) in errors."""
    mdf = mdf.reset_index(drop=True)
    check_rows(mdf, observables, path)
    pre = [_none(v) for v in (mdf[PRE] if PRE in mdf else [None] * len(mdf))]
    keys = list(zip(pre, mdf["simulationConditionId"]))
    experiments = list(dict.fromkeys(keys))
    exp_index = {k: i for i, k in enumerate(experiments)}
    row_exp = np.array([exp_index[k] for k in keys], dtype=int)
    times = mdf["time"].astype(float).to_numpy()
    grids = [np.unique(times[row_exp == e]) for e in range(len(experiments))]
    ts = np.zeros((len(experiments), max(len(g) for g in grids)))
    for e, g in enumerate(grids):
        ts[e, :len(g)], ts[e, len(g):] = g, g[-1]
    row_tidx = np.array([int(np.searchsorted(grids[e], t)) for e, t in zip(row_exp, times)], dtype=int)
    oids = mdf["observableId"].to_numpy()
    return MeasurementArrays(
        experiments, sorted({p for p, _ in experiments if p is not None}), ts, np.array([g[-1] for g in grids]),
        row_exp, row_tidx, times, mdf["measurement"].astype(float).to_numpy(),
        _placeholders(mdf, "observableParameters", observables, lambda o: o.n_observable_parameters, index, path),
        _placeholders(mdf, "noiseParameters", observables, lambda o: o.n_noise_parameters, index, path),
        {o: np.where(oids == o)[0] for o in observables if (oids == o).any()},
    )
