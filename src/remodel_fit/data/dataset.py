"""The in-memory form of a dataset that inference and plots consume.

Measurements are kept long (one row per value) with integer indices into subjects,
a shared sorted time grid and observables, so a model is solved once per subject on
the grid (``vmap`` over subjects) and predictions are gathered at the indices.
Inputs are per-subject schedules stacked along a leading subject axis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jax
import numpy as np

from ..model.inputs import DoseSchedule, LevelSchedule


@dataclass(frozen=True)
class Dataset:
    """Arrays for one model fit.

    - ``subjects`` / ``groups``: subject ids and each subject's group (same length).
    - ``times``: sorted unique measurement times (days), starting at 0.
    - ``observables``: observable names that occur, in model order.
    - ``subject_index``, ``time_index``, ``observable_index``: per measurement.
    - ``values``: measured values; ``sd``: given standard deviation or NaN.
    - ``inputs``: input name -> schedule whose arrays have a leading subject axis.
    - ``ref_time_index`` (optional, per measurement): a value is the prediction at its time over the prediction
      at this time index (-1: the prediction itself), e.g. a change from an arm's baseline after a run-in;
      ``annual_years`` (optional): a value > 0 makes it an annual rate, 1 + (ratio - 1) / years.
    - ``covariates``: name -> one value per subject (random-effect covariates).
    """

    subjects: tuple[str, ...]
    groups: tuple[str, ...]
    times: np.ndarray
    observables: tuple[str, ...]
    subject_index: np.ndarray
    time_index: np.ndarray
    observable_index: np.ndarray
    values: np.ndarray
    sd: np.ndarray
    inputs: dict[str, LevelSchedule | DoseSchedule] = field(default_factory=dict)
    ref_time_index: np.ndarray | None = None
    annual_years: np.ndarray | None = None
    covariates: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, measurements, conditions=None, model=None) -> Dataset:
        """A validated dataset from tidy in-memory tables for ``model``.

        ``measurements``: columns ``subject, group, time_days, observable, value, unit`` (``sd``
        optional; PEtab v1 names accepted as in files); ``conditions``: ``subject, group,
        time_days, input, value`` or None. Errors name the row as a file line (header = 1).
        """
        from .build import dataset_from_frames
        from .tables import from_petab

        if model is None:
            raise TypeError("Dataset.from_frame needs the model the data are for")
        if "observableId" in measurements.columns:
            measurements = from_petab(measurements)
        return dataset_from_frames(measurements, conditions, model)

    @property
    def n_subjects(self) -> int:
        return len(self.subjects)

    @property
    def n_measurements(self) -> int:
        return int(self.values.shape[0])

    def subject_inputs(self, i: int) -> dict[str, LevelSchedule | DoseSchedule]:
        """The schedules of subject ``i`` (no leading axis)."""
        return jax.tree_util.tree_map(lambda a: a[i], self.inputs)

    def first_per_group(self, n: int) -> Dataset:
        """The first ``n`` subjects of each group (in table order), with their measurements."""
        if self.ref_time_index is not None or self.covariates:
            raise ValueError("first_per_group: a dataset with reference times or covariates (an arm-level "
                             "meta-analysis) keeps every arm")
        keep, seen = [], {}
        for i, g in enumerate(self.groups):
            if seen.get(g, 0) < n:
                keep.append(i)
                seen[g] = seen.get(g, 0) + 1
        keep_arr = np.asarray(keep)
        new_index = np.full(self.n_subjects, -1)
        new_index[keep_arr] = np.arange(keep_arr.size)
        rows = new_index[self.subject_index] >= 0
        return Dataset(
            subjects=tuple(self.subjects[i] for i in keep),
            groups=tuple(self.groups[i] for i in keep),
            times=self.times,
            observables=self.observables,
            subject_index=new_index[self.subject_index[rows]],
            time_index=self.time_index[rows],
            observable_index=self.observable_index[rows],
            values=self.values[rows],
            sd=self.sd[rows],
            inputs=jax.tree_util.tree_map(lambda a: a[keep_arr], self.inputs),
        )

    def equals(self, other: Dataset) -> bool:
        """Exact equality of every array and name (for round-trip tests)."""
        if (self.subjects, self.groups, self.observables) != (other.subjects, other.groups, other.observables):
            return False
        arrays = ("times", "subject_index", "time_index", "observable_index", "values", "sd")
        if not all(np.array_equal(getattr(self, a), getattr(other, a), equal_nan=True) for a in arrays):
            return False
        if set(self.inputs) != set(other.inputs):
            return False
        leaves_a = jax.tree_util.tree_leaves(self.inputs)
        leaves_b = jax.tree_util.tree_leaves(other.inputs)
        return all(np.array_equal(np.asarray(x), np.asarray(y), equal_nan=True) for x, y in zip(leaves_a, leaves_b))
