"""Solving many subjects: a vmapped solve with per-subject parameters, and the grouping of
subjects that share an input schedule (so each schedule is solved once)."""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np

from ..model.base import Model, Params
from .options import SolverConfig
from .simulate import Solution, simulate


def solve_subjects(
    model: Model, params: Params, varying: Mapping[str, jnp.ndarray], times, inputs: Mapping, config: SolverConfig
) -> Solution:
    """Solve every subject: ``varying`` holds (n_subjects,) values, the rest of ``params`` is shared.

    Returns the vmapped :class:`~.simulate.Solution` (leading subject axis).
    """
    full = {**params, **varying}
    axes = {k: (0 if k in varying else None) for k in full}

    def one(p, inp):
        return simulate(model, p, times, inp, config=config)

    return jax.vmap(one, in_axes=(axes, 0))(full, dict(inputs))


def distinct_schedules(inputs: Mapping, n_subjects: int, max_distinct: int = 8) -> tuple[np.ndarray, np.ndarray] | None:
    """(first subject of each distinct input schedule, schedule index of each subject), or None
    when there are more than ``max_distinct`` (then subjects are solved together under vmap).

    ``inputs`` are schedules with a leading subject axis (:attr:`Dataset.inputs`)."""
    leaves = [np.asarray(leaf).reshape(n_subjects, -1) for leaf in jax.tree_util.tree_leaves(inputs)]
    rows = np.concatenate(leaves, axis=1) if leaves else np.zeros((n_subjects, 0))
    _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    if first.size > max_distinct:
        return None
    order = np.argsort(first)  # keep table order
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order], rank[np.asarray(inverse).reshape(-1)]
