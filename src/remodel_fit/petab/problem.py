"""Load a PEtab v1 problem (YAML + SBML + tables) into a :class:`PetabProblem`: compiled model
functions, the parameter table, observables and the measurement arrays."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ..errors import PetabError
from .compiled import CompiledOde, compile_ode
from .files import problem_files
from .measurements import MeasurementArrays, read_measurements
from .observables import PetabObservable, read_observables
from .sbml import SymbolicOde, read_sbml
from .tables import ConditionBuilder, ParameterTable, read_parameters


@dataclass
class PetabProblem:
    """An imported PEtab problem. ``theta`` vectors run over ``parameters.ids`` (linear scale)."""

    name: str
    yaml_path: Path
    files: dict[str, list[Path]]
    ode: SymbolicOde
    compiled: CompiledOde
    parameters: ParameterTable
    observables: dict[str, PetabObservable]
    measurements: MeasurementArrays
    simulation_conditions: tuple[np.ndarray, ...]
    preequilibration_conditions: tuple[np.ndarray, ...] | None
    jump_ts: np.ndarray
    features: dict = field(default_factory=dict)

    @property
    def estimated_ids(self) -> list[str]:
        return [p for p, e in zip(self.parameters.ids, self.parameters.estimated) if e]

    @property
    def nominal_estimated(self) -> np.ndarray:
        return self.parameters.nominal[self.parameters.estimated]

    @property
    def n_measurements(self) -> int:
        return len(self.measurements.values)


def _jump_times(problem_ode: CompiledOde, sim: tuple, table: ParameterTable, path: Path) -> np.ndarray:
    """Switch times of piecewise terms per experiment (at nominal values; must not depend on estimated parameters)."""
    mask, idx, const = sim[:3]
    found = []
    for e in range(mask.shape[0]):
        if problem_ode.breakpoints is None:
            found.append(np.zeros(0))
            continue
        for s in problem_ode.breakpoint_symbols:
            j = int(str(s)[2:])
            if mask[e, j] and table.estimated[idx[e, j]]:
                raise PetabError(f"{path}: a discontinuity time depends on the estimated parameter "
                                 f"{table.ids[idx[e, j]]!r}; not supported")
        k = np.where(mask[e], table.nominal[idx[e]], const[e])
        b = np.array([float(v) for v in problem_ode.breakpoints(k)], dtype=float)
        found.append(np.unique(b[np.isfinite(b) & (b > 0)]))
    n = max([len(b) for b in found] + [0])
    out = np.full((mask.shape[0], n), 1e12)
    for e, b in enumerate(found):
        out[e, :len(b)] = b
    return out


def _stack(arrays: list[tuple]) -> tuple[np.ndarray, ...] | None:
    return tuple(np.stack([a[i] for a in arrays]) for i in range(7)) if arrays else None


def _names(paths: list[Path]) -> str:
    return ", ".join(str(p) for p in paths)


def load_problem(yaml_path: str | os.PathLike) -> PetabProblem:
    """Import a PEtab v1 problem; every error is one line naming the file (and row or element)."""
    import petab.v1 as petab

    yaml_path = Path(yaml_path)
    files = problem_files(yaml_path)
    try:
        pp = petab.Problem.from_yaml(str(yaml_path))
    except Exception as err:  # petab/pandas/libsbml raise many types on malformed tables
        raise PetabError(f"{yaml_path}: petab could not read the problem ({type(err).__name__}: "
                         f"{str(err).splitlines()[0] if str(err) else ''})") from None
    sbml_path = files["sbml"][0]
    cond_df = pp.condition_df if pp.condition_df is not None else None
    controlled = set(pp.parameter_df.index) | (set(cond_df.columns) if cond_df is not None else set())
    ode = read_sbml(pp.model.sbml_model, sbml_path, controlled)
    compiled = compile_ode(ode, sbml_path)
    table = read_parameters(pp.parameter_df, files["parameter"][0])
    observables = read_observables(pp.observable_df, compiled, ode.rules, table.ids, _names(files["observable"]))
    meas = read_measurements(pp.measurement_df, observables, table.index(), _names(files["measurement"]))
    import pandas as pd

    builder = ConditionBuilder(ode.parameters, ode.defaults, ode.states, ode.amount_species, table,
                               cond_df if cond_df is not None else pd.DataFrame(), _names(files["condition"]))
    sim = _stack([builder.arrays(sc) for _, sc in meas.experiments])
    pre = _stack([builder.arrays(pe) for pe in meas.preequilibration_ids])
    features = dict(ode.features, preequilibration=bool(meas.preequilibration_ids),
                    noise_models=sorted({f"{o.noise_distribution}-{o.transformation}" for o in observables.values()}),
                    parameter_scales=sorted(set(table.scales)),
                    objective_priors=sorted({p["type"] for p, e in zip(table.priors, table.estimated) if e and not p["default"]}))
    return PetabProblem(yaml_path.stem, yaml_path, files, ode, compiled, table, observables, meas, sim, pre,
                        _jump_times(compiled, sim, table, sbml_path), features)
