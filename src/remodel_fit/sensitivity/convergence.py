"""Convergence of Sobol' indices as the number of base points doubles.

One design at the largest N is evaluated; each smaller N analyses its leading blocks
(the first 2^k points of a scrambled Sobol' sequence are themselves a balanced
Sobol' sample), so the whole study costs one evaluation of the largest design.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .evaluate import BatchFunction, FailurePolicy
from .evaluators import Evaluator, InProcess
from .problem import check_problem, power_of_two
from .sobol import analyze, block_size, first_order_rows, sample


def convergence_from(
    problem: dict,
    Y: np.ndarray,
    failed: np.ndarray | None,
    *,
    ns: Sequence[int],
    seed: int,
    second_order: bool,
    output_names: Sequence[str] | None = None,
    failure_policy: FailurePolicy = "exclude",
    num_resamples: int = 100,
) -> pd.DataFrame:
    """S1/ST at each N in ``ns`` from the leading blocks of an evaluated Saltelli design ``Y``.

    Only first and total indices are analysed (``n`` column added); a second-order
    design is reduced to its first-order rows.
    """
    problem = check_problem(problem)
    d = problem["num_vars"]
    Y = np.asarray(Y).reshape(np.shape(Y)[0], -1)
    failed = np.zeros(Y.shape[0], bool) if failed is None else np.asarray(failed, bool)
    if second_order:
        rows = first_order_rows(d, Y.shape[0])
        Y, failed = Y[rows], failed[rows]
    step = block_size(d, False)
    available = Y.shape[0] // step
    frames = []
    for n in sorted(power_of_two(v, "convergence_n") for v in ns):
        if n > available:
            raise ValueError(f"convergence N = {n} exceeds the {available} base points evaluated")
        part = analyze(
            problem, Y[: n * step], failed[: n * step], seed=seed, second_order=False, output_names=output_names,
            failure_policy=failure_policy, num_resamples=num_resamples,
        )
        part.insert(0, "n", n)
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def convergence(
    f: BatchFunction,
    problem: dict,
    *,
    ns: Sequence[int],
    seed: int,
    output_names: Sequence[str] | None = None,
    failure_policy: FailurePolicy = "exclude",
    evaluator: Evaluator = InProcess(),
) -> pd.DataFrame:
    """S1/ST of ``f`` at each N in ``ns`` (powers of 2) from one first-order design at max(ns)."""
    X = sample(problem, max(ns), seed=seed, second_order=False)
    ev = evaluator.evaluate(f, X, desc="convergence")
    return convergence_from(
        problem, ev.values, ev.failed, ns=ns, seed=seed, second_order=False, output_names=output_names,
        failure_policy=failure_policy,
    )
