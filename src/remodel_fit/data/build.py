"""Validated tables -> :class:`~remodel_fit.data.dataset.Dataset` for one model.

- Subjects in order of first appearance in the measurement table; each has one group.
- ``times``: sorted unique measurement times, always including 0.
- ``observables``: those that occur, in model order.
- Inputs: per input, each subject's rows become a schedule (levels piecewise constant
  from ``time_days`` on, the model's reference before the first row; doses as boluses),
  padded to the longest subject's schedule and stacked along a leading subject axis.
  Inputs no subject has are left out.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from ..model.base import Model
from ..model.inputs import DoseSchedule, LevelSchedule, doses, level
from .dataset import Dataset
from .tables import GROUP, INPUT, OBSERVABLE, SD, SUBJECT, TIME, VALUE, read_table
from .validate import validate_conditions, validate_measurements


def read_dataset(
    measurements: str | os.PathLike,
    conditions: str | os.PathLike | None,
    model: Model,
) -> Dataset:
    """Read, validate and build: the one call from files to arrays."""
    meas, cond = read_tables(measurements, conditions, model)
    return build_dataset(meas, cond, model)


def read_tables(
    measurements: str | os.PathLike, conditions: str | os.PathLike | None, model: Model
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Read and validate both tables; the conditions come back expanded to subjects."""
    meas = validate_measurements(read_table(measurements, "measurements"), model, measurements)
    if conditions is None:
        return meas, None
    cond = validate_conditions(read_table(conditions, "conditions"), model, meas, conditions, measurements)
    return meas, cond


def dataset_from_frames(measurements: pd.DataFrame, conditions: pd.DataFrame | None, model: Model) -> Dataset:
    """Validate in-memory tables (columns as in the files; rows numbered as file lines) and build."""
    meas = validate_measurements(measurements, model, "<measurements>")
    cond = None if conditions is None else validate_conditions(conditions, model, meas, "<conditions>", "<measurements>")
    return build_dataset(meas, cond, model)


def build_dataset(measurements: pd.DataFrame, conditions: pd.DataFrame | None, model: Model) -> Dataset:
    """A Dataset from validated tables (conditions already expanded to subjects)."""
    subjects = tuple(dict.fromkeys(measurements[SUBJECT]))
    group_of = dict(zip(measurements[SUBJECT], measurements[GROUP]))
    times = np.unique(np.concatenate([[0.0], measurements[TIME].to_numpy(float)]))
    present = set(measurements[OBSERVABLE])
    observables = tuple(o for o in model.observable_names if o in present)
    s_index = {s: i for i, s in enumerate(subjects)}
    o_index = {o: i for i, o in enumerate(observables)}
    return Dataset(
        subjects=subjects,
        groups=tuple(group_of[s] for s in subjects),
        times=times,
        observables=observables,
        subject_index=measurements[SUBJECT].map(s_index).to_numpy(np.int32),
        time_index=np.searchsorted(times, measurements[TIME].to_numpy(float)).astype(np.int32),
        observable_index=measurements[OBSERVABLE].map(o_index).to_numpy(np.int32),
        values=measurements[VALUE].to_numpy(float),
        sd=measurements[SD].to_numpy(float) if SD in measurements else np.full(len(measurements), np.nan),
        inputs=build_inputs(conditions, subjects, model),
    )


def build_inputs(
    conditions: pd.DataFrame | None, subjects: tuple[str, ...], model: Model
) -> dict[str, LevelSchedule | DoseSchedule]:
    """Per-input schedules with a leading subject axis (model input order)."""
    if conditions is None or conditions.empty:
        return {}
    out: dict[str, LevelSchedule | DoseSchedule] = {}
    for spec in model.inputs:
        rows = conditions[conditions[INPUT] == spec.name]
        if rows.empty:
            continue
        by_subject = {s: r.sort_values(TIME, kind="stable") for s, r in rows.groupby(SUBJECT, sort=False)}
        length = max(len(r) for r in by_subject.values())
        make = level if spec.kind == "level" else doses
        per_subject = []
        for s in subjects:
            r = by_subject.get(s)
            t = [] if r is None else r[TIME].to_numpy(float)
            v = [] if r is None else r[VALUE].to_numpy(float)
            per_subject.append(make(t, v, length=length))
        out[spec.name] = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *per_subject)
    return out


def summarise(dataset: Dataset, table: pd.DataFrame, model: Model, **files) -> dict:
    """What a validated dataset holds, with a one-line description under ``line``."""
    groups = dict(pd.Series(dataset.groups).value_counts(sort=False))
    per_obs = dict(table[OBSERVABLE].value_counts(sort=False))
    line = (
        f"{files.get('measurements') or 'measurements'}: ok: {dataset.n_subjects} subjects in {len(groups)} groups "
        f"({', '.join(f'{g} {n}' for g, n in groups.items())}), {dataset.n_measurements} measurements of "
        f"{len(dataset.observables)} observables at {len(dataset.times)} times"
        + (f"; inputs {', '.join(dataset.inputs)}" if dataset.inputs else "; no inputs")
    )
    return {
        "line": line,
        "model": model.name,
        "files": {k: (str(v) if v is not None else None) for k, v in files.items()},
        "subjects": dataset.n_subjects,
        "groups": {str(g): int(n) for g, n in groups.items()},
        "measurements": dataset.n_measurements,
        "observables": {o: int(per_obs[o]) for o in dataset.observables},
        "times": dataset.times.tolist(),
        "inputs": list(dataset.inputs),
    }
