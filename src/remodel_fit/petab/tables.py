"""The PEtab parameter and condition tables: nominal values, scales, bounds, objective priors, and
per condition the model-parameter vector ``k_c = where(mask, theta[idx], const)`` plus the
initial-state overrides of species columns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import PetabError

SCALES = ("lin", "log", "log10")
PRIOR_TYPES = ("uniform", "normal", "laplace", "logNormal", "logLaplace", "parameterScaleUniform",
               "parameterScaleNormal", "parameterScaleLaplace")


@dataclass
class ParameterTable:
    """All rows of the parameter table (linear-scale values and bounds)."""

    ids: list[str]
    nominal: np.ndarray
    scales: list[str]
    lower: np.ndarray
    upper: np.ndarray
    estimated: np.ndarray
    priors: list[dict]

    def index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.ids)}


def _column(df: pd.DataFrame, name: str, default) -> pd.Series:
    return df[name] if name in df else pd.Series([default] * len(df), index=df.index)


def _prior(row: pd.Series, lb: float, ub: float, scale: str, where: str) -> dict:
    ptype = row.get("objectivePriorType", np.nan)
    if not isinstance(ptype, str) or not ptype.strip():
        lo, hi = (np.log(lb), np.log(ub)) if scale == "log" else (np.log10(lb), np.log10(ub)) if scale == "log10" else (lb, ub)
        return {"type": "parameterScaleUniform", "parameters": [float(lo), float(hi)], "default": True}
    if ptype not in PRIOR_TYPES:
        raise PetabError(f"{where}: objectivePriorType {ptype!r} is not supported (supported: {', '.join(PRIOR_TYPES)})")
    try:
        pars = [float(v) for v in str(row.get("objectivePriorParameters")).split(";")]
    except ValueError:
        raise PetabError(f"{where}: objectivePriorParameters {row.get('objectivePriorParameters')!r} "
                         "must be two numbers separated by ';'") from None
    if len(pars) != 2:
        raise PetabError(f"{where}: objectivePriorParameters must hold two numbers, got {pars}")
    return {"type": ptype, "parameters": pars, "default": False}


def read_parameters(df: pd.DataFrame, path: Path) -> ParameterTable:
    """The parameter table; unknown scales, bad bounds and unsupported prior types raise naming ``path``."""
    ids = list(df.index)
    scales = [s if isinstance(s, str) else "lin" for s in _column(df, "parameterScale", "lin")]
    for pid, s in zip(ids, scales):
        if s not in SCALES:
            raise PetabError(f"{path}: parameter {pid!r}: parameterScale {s!r} is not one of {', '.join(SCALES)}")
    nominal = _column(df, "nominalValue", np.nan).astype(float).to_numpy()
    lb = _column(df, "lowerBound", -np.inf).astype(float).to_numpy()
    ub = _column(df, "upperBound", np.inf).astype(float).to_numpy()
    est = _column(df, "estimate", 1).astype(int).astype(bool).to_numpy()
    for i, pid in enumerate(ids):
        if not np.isfinite(nominal[i]):
            raise PetabError(f"{path}: parameter {pid!r} has no finite nominalValue")
        if est[i] and not lb[i] < ub[i]:
            raise PetabError(f"{path}: parameter {pid!r}: lowerBound {lb[i]} is not below upperBound {ub[i]}")
    priors = [_prior(df.loc[pid], lb[i], ub[i], scales[i], f"{path}: parameter {pid!r}") for i, pid in enumerate(ids)]
    return ParameterTable(ids, nominal, scales, lb, ub, est, priors)


def resolve(value, index: dict[str, int], where: str) -> tuple[bool, int, float]:
    """A PEtab cell (number or parameter id) as (is_parameter, parameter index, constant)."""
    if isinstance(value, str):
        value = value.strip()
        try:
            return False, 0, float(value)
        except ValueError:
            if value in index:
                return True, index[value], 0.0
            raise PetabError(f"{where}: {value!r} is neither a number nor a parameter of the parameter table") from None
    return False, 0, float(value)


@dataclass
class ConditionBuilder:
    """Builds the per-condition parameter and state-override arrays."""

    model_parameters: list[str]
    defaults: np.ndarray
    states: list[str]
    amount_species: set[str]
    table: ParameterTable
    conditions: pd.DataFrame
    path: Path

    def base(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        index = self.table.index()
        mask = np.array([k in index for k in self.model_parameters])
        idx = np.array([index.get(k, 0) for k in self.model_parameters], dtype=int)
        return mask, idx, self.defaults.copy()

    def arrays(self, cid: str | None) -> tuple[np.ndarray, ...]:
        """(mask, idx, const, x_mask, x_is_par, x_idx, x_const) of condition ``cid`` (None: no condition)."""
        mask, idx, const = self.base()
        nx = len(self.states)
        xm, xp, xi, xc = np.zeros(nx, bool), np.zeros(nx, bool), np.zeros(nx, int), np.zeros(nx)
        if cid is None:
            return mask, idx, const, xm, xp, xi, xc
        if cid not in self.conditions.index:
            raise PetabError(f"{self.path}: condition {cid!r} (used by the measurement table) is not defined")
        kidx = {k: i for i, k in enumerate(self.model_parameters)}
        index = self.table.index()
        for col, val in self.conditions.loc[cid].items():
            if col == "conditionName" or (isinstance(val, float) and np.isnan(val)):
                continue
            where = f"{self.path}: condition {cid!r}, column {col!r}"
            if col in self.states:
                if col in self.amount_species:
                    raise PetabError(f"{where}: overriding an amount-based species is not supported")
                j = self.states.index(col)
                xm[j] = True
                xp[j], xi[j], xc[j] = resolve(val, index, where)
            elif col in kidx:
                mask[kidx[col]], idx[kidx[col]], const[kidx[col]] = resolve(val, index, where)
            else:
                raise PetabError(f"{where}: the column is neither a model parameter nor a species")
        return mask, idx, const, xm, xp, xi, xc
