"""The sensitivity engine applied to the bone_inflammation model's cytokine parameters.

Inputs are model parameters (e.g. ``tnf_e_rankl``, ``il6_ec50``) or cytokine *levels*
``{c}_level`` (pg/mL), applied as a constant level input from t = 0 on top of the
healthy steady state; cytokines whose level is not varied stay at their reference.
Outputs are observables at chosen times: BMD (``bmd_ls_rel``, ``bmd_th_rel``) as per
cent change from baseline, the others (``ctx_rel``, ``p1np_rel``, ``opg_rankl``, ...) as
the model reports them. Each output column is ``'{observable}@{time:g}d'``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..model import get_model
from ..model.cytokines import CYTOKINES
from ..model.inputs import LevelSchedule
from ..simulate import SolverConfig, simulate
from .engine import BatchFunction
from .problem import check_problem

LEVEL_SUFFIX = "_level"
DEFAULT_OUTPUTS: tuple[str, ...] = ("bmd_ls_rel", "bmd_th_rel", "ctx_rel", "p1np_rel", "opg_rankl")
PERCENT_CHANGE: frozenset[str] = frozenset({"bmd_ls_rel", "bmd_th_rel"})
DAYS_PER_YEAR = 365.25
FORWARD = SolverConfig(adjoint="forward")


@dataclass(frozen=True)
class BoneGSA:
    """A problem dict, its batched evaluator ``f`` and what each output column means."""

    problem: dict
    f: BatchFunction
    columns: pd.DataFrame
    """One row per output column of ``f``: ``column``, ``output`` (observable), ``time_days``."""

    def at(self, times_days: Sequence[float]) -> np.ndarray:
        """Indices of the output columns at the given times (all outputs)."""
        wanted = np.isin(np.round(self.columns["time_days"].to_numpy(), 9), np.round(np.asarray(times_days, float), 9))
        return np.flatnonzero(wanted)


def cytokine_parameter_names(arms: Sequence[str] = ("rankl", "opg", "ob"), *, ec50: bool = True) -> list[str]:
    """Level, effect-strength and EC50 input names of the three cytokines."""
    names = [f"{c}{LEVEL_SUFFIX}" for c in CYTOKINES]
    names += [f"{c}_e_{arm}" for c in CYTOKINES for arm in arms]
    return names + ([f"{c}_ec50" for c in CYTOKINES] if ec50 else [])


def bone_problem(
    bounds: Mapping[str, Sequence[float]],
    *,
    times_days: Sequence[float],
    outputs: Sequence[str] = DEFAULT_OUTPUTS,
    solver: SolverConfig = FORWARD,
    model: str = "bone_inflammation",
) -> BoneGSA:
    """Problem over ``bounds`` (name -> [low, high]) and the evaluator of ``outputs`` at ``times_days``.

    The solver's adjoint should be 'forward' (the default here): it is as fast for plain
    solves and the only one that supports the forward-mode derivatives of :func:`dgsm`.
    """
    spec = get_model(model)
    names = list(bounds)
    if not names:
        raise ConfigError("gsa.parameters is empty: name at least one parameter or {cytokine}_level")
    levels = {}
    for i, name in enumerate(names):
        if name.endswith(LEVEL_SUFFIX) and name[: -len(LEVEL_SUFFIX)] in spec.input_names:
            levels[name[: -len(LEVEL_SUFFIX)]] = i
        else:
            _known(spec, name)
        lo, hi = (float(v) for v in bounds[name])
        if not lo < hi:
            raise ConfigError(f"gsa.parameters.{name}: expected [low, high] with low < high, got [{lo:g}, {hi:g}]")
    for o in outputs:
        _known_output(spec, o)
    times = np.unique(np.asarray(times_days, dtype=float))
    if times.size == 0 or np.any(times <= 0):
        raise ConfigError(f"gsa output times must be positive days, got {list(times_days)}")
    params_idx = {name: i for i, name in enumerate(names) if i not in levels.values()}
    f = _evaluator(spec, params_idx, levels, tuple(outputs), tuple(times.tolist()), solver)
    columns = pd.DataFrame(
        [{"column": f"{o}@{t:g}d", "output": o, "time_days": t} for o in outputs for t in times]
    )
    problem = check_problem({"names": names, "bounds": [[float(v) for v in bounds[n]] for n in names]})
    return BoneGSA(problem, f, columns)


def _evaluator(spec, params_idx, levels, outputs, times, solver) -> BatchFunction:
    defaults = spec.defaults()
    ts = jnp.asarray(times)

    def single(x):
        p = {**defaults, **{name: x[i] for name, i in params_idx.items()}}
        inputs = {c: LevelSchedule(jnp.zeros(1), x[i][None]) for c, i in levels.items()}
        sol = simulate(spec, p, ts, inputs, config=solver)
        cols = [100.0 * (sol.observables[o] - 1.0) if o in PERCENT_CHANGE else sol.observables[o] for o in outputs]
        return jnp.concatenate(cols), sol.ok

    def batched(X):
        return jax.vmap(single)(X)

    return batched


def bounds_from_posterior(
    idata_or_path, names: Sequence[str], q: Sequence[float] = (0.05, 0.95)
) -> dict[str, list[float]]:
    """``{name: [q_low, q_high]}`` from the posterior draws of a fit (InferenceData or netCDF path)."""
    import arviz as az

    idata = az.from_netcdf(os.fspath(idata_or_path)) if isinstance(idata_or_path, (str, os.PathLike)) else idata_or_path
    where = os.fspath(idata_or_path) if isinstance(idata_or_path, (str, os.PathLike)) else "InferenceData"
    if not hasattr(idata, "posterior"):
        raise ConfigError(f"{where}: no posterior group to take sensitivity ranges from")
    lo_q, hi_q = (float(v) for v in q)
    if not 0 <= lo_q < hi_q <= 1:
        raise ConfigError(f"gsa.posterior_quantiles must satisfy 0 <= low < high <= 1, got {list(q)}")
    out = {}
    for name in names:
        if name not in idata.posterior:
            raise ConfigError(
                f"{where}: posterior has no variable {name!r} (has: {', '.join(sorted(idata.posterior.data_vars))})"
            )
        draws = np.asarray(idata.posterior[name]).reshape(-1)
        if idata.posterior[name].ndim != 2:
            raise ConfigError(f"{where}: posterior variable {name!r} must be scalar per draw (dims chain, draw)")
        lo, hi = np.quantile(draws[np.isfinite(draws)], [lo_q, hi_q])
        if not lo < hi:
            raise ConfigError(f"{where}: posterior quantiles of {name!r} are degenerate ([{lo:g}, {hi:g}])")
        out[name] = [float(lo), float(hi)]
    return out


def _known(spec, name: str) -> None:
    if name.endswith(LEVEL_SUFFIX):
        raise ConfigError(
            f"gsa.parameters.{name}: no input {name[: -len(LEVEL_SUFFIX)]!r} (levels: "
            f"{', '.join(i.name + LEVEL_SUFFIX for i in spec.inputs if i.kind == 'level')})"
        )
    try:
        spec.parameter(name)
    except Exception as err:
        raise ConfigError(f"gsa.parameters.{name}: {err}") from None


def _known_output(spec, name: str) -> None:
    try:
        spec.observable(name)
    except Exception as err:
        raise ConfigError(f"gsa.outputs: {err}") from None
