"""A sensitivity problem over a model's parameters and constant level inputs.

Inputs are model parameters (e.g. ``tnf_e_rankl``) or *levels* ``{input}_level`` of a level
input, applied as a constant from ``onset`` (days) on top of the initial steady state; before
the onset, and for inputs not varied, the reference level holds. Outputs are observables at chosen times (those in
``percent_change`` as per cent change from 1, i.e. from baseline for relative observables);
each output column is ``'{observable}@{time:g}d'``. :class:`ModelBatch` is the batch function:
a frozen, picklable value, so worker processes can evaluate it.
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
from ..model.base import Model
from ..model.inputs import LevelSchedule
from ..solve.options import SolverConfig
from ..solve.simulate import simulate
from .problem import check_problem

LEVEL_SUFFIX = "_level"
FORWARD = SolverConfig(adjoint="forward")
"""Forward mode: as fast as the default adjoint for plain solves, and what DGSM's ``jacfwd`` needs."""


@dataclass(frozen=True)
class ModelBatch:
    """``X (n, d) -> (outputs (n, k), ok (n,))`` for one model, input layout, outputs and times."""

    model: Model
    parameters: tuple[tuple[str, int], ...]
    levels: tuple[tuple[str, int], ...]
    outputs: tuple[str, ...]
    times: tuple[float, ...]
    solver: SolverConfig
    percent_change: frozenset[str] = frozenset()
    onset: float = 0.0

    def __call__(self, X):
        defaults = self.model.defaults()
        ts = jnp.asarray(self.times)

        def single(x):
            p = {**defaults, **{name: x[i] for name, i in self.parameters}}
            inputs = {c: LevelSchedule(jnp.full(1, self.onset), x[i][None]) for c, i in self.levels}
            sol = simulate(self.model, p, ts, inputs, config=self.solver)
            cols = [100.0 * (sol.observables[o] - 1.0) if o in self.percent_change else sol.observables[o]
                    for o in self.outputs]
            return jnp.concatenate(cols), sol.ok

        return jax.vmap(single)(X)


@dataclass(frozen=True)
class ModelProblem:
    """A problem dict, its batch function ``f`` and what each output column means."""

    problem: dict
    f: ModelBatch
    columns: pd.DataFrame
    """One row per output column of ``f``: ``column``, ``output`` (observable), ``time_days``."""


def model_problem(
    model: Model,
    bounds: Mapping[str, Sequence[float]],
    *,
    times_days: Sequence[float],
    outputs: Sequence[str],
    solver: SolverConfig = FORWARD,
    percent_change: Sequence[str] = (),
    onset: float = 0.0,
    key: str = "gsa",
) -> ModelProblem:
    """Problem over ``bounds`` (name -> [low, high]) and the evaluator of ``outputs`` at ``times_days``."""
    names = list(bounds)
    if not names:
        raise ConfigError(f"{key}.parameters is empty: name at least one parameter or {{input}}{LEVEL_SUFFIX}")
    levels, parameters = [], []
    for i, name in enumerate(names):
        if name.endswith(LEVEL_SUFFIX) and name[: -len(LEVEL_SUFFIX)] in model.input_names:
            levels.append((name[: -len(LEVEL_SUFFIX)], i))
        else:
            _known(model, name, key)
            parameters.append((name, i))
        lo, hi = (float(v) for v in bounds[name])
        if not lo < hi:
            raise ConfigError(f"{key}.parameters.{name}: expected [low, high] with low < high, got [{lo:g}, {hi:g}]")
    for o in outputs:
        try:
            model.observable(o)
        except Exception as err:
            raise ConfigError(f"{key}.outputs: {err}") from None
    times = np.unique(np.asarray(times_days, dtype=float))
    if times.size == 0 or np.any(times < 0) or not times[-1] > 0:
        raise ConfigError(f"{key} output times must be days >= 0 (not all 0), got {list(times_days)}")
    f = ModelBatch(model, tuple(parameters), tuple(levels), tuple(outputs), tuple(times.tolist()), solver,
                   frozenset(percent_change), float(onset))
    columns = pd.DataFrame([{"column": f"{o}@{t:.12g}d", "output": o, "time_days": t} for o in outputs for t in times])
    if columns["column"].duplicated().any():
        raise ConfigError(f"{key} output times {list(times_days)} give duplicate column labels")
    problem = check_problem({"names": names, "bounds": [[float(v) for v in bounds[n]] for n in names]})
    return ModelProblem(problem, f, columns)


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


def _known(model: Model, name: str, key: str) -> None:
    if name.endswith(LEVEL_SUFFIX):
        raise ConfigError(
            f"{key}.parameters.{name}: no input {name[: -len(LEVEL_SUFFIX)]!r} (levels: "
            f"{', '.join(i.name + LEVEL_SUFFIX for i in model.inputs if i.kind == 'level')})"
        )
    try:
        model.parameter(name)
    except Exception as err:
        raise ConfigError(f"{key}.parameters.{name}: {err}") from None
