"""Evaluate a batch function in worker processes, one CPU device each.

For functions that cannot be split over host devices inside one process: the implicit
(Kvaerno) solvers' linear solves fail under ``shard_map`` and ``pmap`` (lineax: "pytree does
not match out_structure"), and dispatching to several host devices from threads deadlocked
XLA's CPU runtime. Separate processes share nothing, so each one runs its chunks on its own
core. The function is rebuilt in each worker from a picklable ``factory`` (a module-level
function with its arguments, e.g. ``functools.partial``); each worker compiles it once (the
persistent compilation cache makes later runs load it) and evaluates whole chunks through
:func:`~remodel_fit.sensitivity.evaluate.evaluate_chunked`, so the padding, failure flags and
results are those of the in-process path.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from ..errors import EvaluationError
from .evaluate import BatchFunction, Evaluation

_WORKER_F: BatchFunction | None = None


def _start_worker(factory: Callable[[], BatchFunction], cache: str | None) -> None:
    """Worker initialiser: one host device, float64, the compile cache, the function built once."""
    global _WORKER_F
    from .. import runtime

    runtime.configure(devices=1)
    runtime.enable_compile_cache(cache)
    _WORKER_F = factory()


def _evaluate_block(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from .evaluate import evaluate_chunked

    ev = evaluate_chunked(_WORKER_F, block, chunk=block.shape[0], devices=1, progress=False)
    return ev.values, ev.failed


def _padded(X: np.ndarray, start: int, size: int) -> np.ndarray:
    """Rows ``start:start + size`` of ``X``, the last one repeated to ``size`` rows (one compiled shape)."""
    block = X[start : start + size]
    return np.concatenate([block, np.repeat(block[-1:], size - block.shape[0], axis=0)])


def evaluate_in_processes(
    factory: Callable[[], BatchFunction],
    X: np.ndarray,
    *,
    processes: int = 2,
    chunk: int = 2048,
    progress: bool = True,
    desc: str = "evaluating",
) -> Evaluation:
    """Evaluate ``factory()`` on the rows of ``X`` in chunks spread over ``processes`` workers.

    Chunks are at most ``chunk`` rows and at least ``processes`` of them, so every worker has
    work; results come back in row order.
    """
    from tqdm.auto import tqdm

    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise EvaluationError(f"sample matrix must be a non-empty (n, d) array, got shape {X.shape}")
    if chunk < 1 or processes < 1:
        raise EvaluationError(f"chunk and processes must be >= 1, got {chunk} and {processes}")
    size = min(chunk, -(-X.shape[0] // processes))
    starts = range(0, X.shape[0], size)
    rows = [min(size, X.shape[0] - i) for i in starts]
    from ..runtime import default_cache_dir

    cache = str(default_cache_dir())
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked JAX runtime
    values, failed = [], []
    with ProcessPoolExecutor(processes, mp_context=context, initializer=_start_worker, initargs=(factory, cache)) as pool, tqdm(
        total=X.shape[0], desc=desc, unit="eval", file=sys.stderr, disable=not progress, leave=False
    ) as bar:
        for n, (v, bad) in zip(rows, pool.map(_evaluate_block, (_padded(X, i, size) for i in starts))):
            values.append(v[:n])
            failed.append(bad[:n])
            bar.update(n)
    return Evaluation(np.concatenate(values), np.concatenate(failed))
