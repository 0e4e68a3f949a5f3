"""Chunked, compiled evaluation of a vectorised JAX function over a sample matrix.

``f`` maps an ``(n, d)`` array to ``(n,)`` or ``(n, k)`` outputs, or to a pair
``(outputs, ok)`` where ``ok`` is an ``(n,)`` boolean success flag (e.g. a solver's).
Rows are evaluated in fixed-size chunks (one compilation; the last chunk is padded),
optionally split over several host devices with ``shard_map``. A row *fails* when its
flag is False or any of its outputs is not finite; failures are counted and handed to
:func:`apply_policy`, never turned into silent NaN indices.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

from ..errors import EvaluationError

FailurePolicy = Literal["fail", "exclude"]
POLICIES: tuple[str, ...] = ("fail", "exclude")
BatchFunction = Callable[[jnp.ndarray], jnp.ndarray | tuple[jnp.ndarray, jnp.ndarray]]


@dataclass(frozen=True)
class Evaluation:
    """Outputs ``values`` (n, k) and the boolean mask ``failed`` (n,) of failed rows."""

    values: np.ndarray
    failed: np.ndarray

    @property
    def n_failed(self) -> int:
        return int(self.failed.sum())


@dataclass(frozen=True)
class FailureReport:
    """What the failure policy did: counts of evaluations, failed rows and dropped blocks."""

    method: str
    policy: str
    n_evaluations: int
    n_failed: int
    block_size: int
    n_blocks: int
    n_blocks_dropped: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def split_output(out) -> tuple[jnp.ndarray, jnp.ndarray | None]:
    """``(values, ok)`` from a function's return value (``ok`` None when not given)."""
    if isinstance(out, tuple):
        values, ok = out
        return values, ok
    return out, None


def _as_matrix(values: jnp.ndarray, ok: jnp.ndarray | None) -> tuple[jnp.ndarray, jnp.ndarray]:
    values = jnp.asarray(values)
    values = values.reshape(values.shape[0], -1)
    finite = jnp.all(jnp.isfinite(values), axis=1)
    flag = finite if ok is None else finite & jnp.asarray(ok, dtype=bool).reshape(-1)
    return values, ~flag


@functools.lru_cache(maxsize=64)
def compiled(f: BatchFunction, n_devices: int = 1) -> Callable[[np.ndarray], tuple[jnp.ndarray, jnp.ndarray]]:
    """``jit`` of ``X -> (values (n, k), failed (n,))``, rows sharded over ``n_devices`` host devices."""

    def g(x):
        return _as_matrix(*split_output(f(x)))

    if n_devices <= 1:
        fn = jax.jit(g)
        return lambda X: fn(jnp.asarray(X))
    mesh = jax.make_mesh((n_devices,), ("batch",), devices=jax.local_devices()[:n_devices])
    spec = PartitionSpec("batch")
    fn = jax.jit(jax.shard_map(g, mesh=mesh, in_specs=spec, out_specs=spec, check_vma=False))
    sharding = NamedSharding(mesh, spec)
    return lambda X: fn(jax.device_put(X, sharding))


def evaluate_chunked(
    f: BatchFunction,
    X: np.ndarray,
    *,
    chunk: int = 4096,
    devices: int | None = None,
    progress: bool = True,
    desc: str = "evaluating",
) -> Evaluation:
    """Evaluate ``f`` on the rows of ``X`` in chunks of ``chunk`` rows (a tqdm bar on stderr).

    ``devices``: number of host devices to shard each chunk over (default: all local
    devices). Memory is bounded by one chunk in flight plus the next one dispatched.
    """
    from tqdm.auto import tqdm

    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise EvaluationError(f"sample matrix must be a non-empty (n, d) array, got shape {X.shape}")
    if chunk < 1:
        raise EvaluationError(f"chunk must be >= 1, got {chunk}")
    n_dev = max(1, min(devices or jax.local_device_count(), jax.local_device_count()))
    size = -(-min(chunk, X.shape[0]) // n_dev) * n_dev
    fn = compiled(f, n_dev)
    values, failed = [], []
    starts = list(range(0, X.shape[0], size))
    with tqdm(total=X.shape[0], desc=desc, unit="eval", file=sys.stderr, disable=not progress, leave=False) as bar:
        pending = None
        for start in starts + [None]:
            current = None
            if start is not None:
                block = X[start : start + size]
                pad = size - block.shape[0]
                if pad:
                    block = np.concatenate([block, np.repeat(block[-1:], pad, axis=0)])
                current = (fn(block), size - pad)
            if pending is not None:
                (v, bad), rows = pending
                values.append(np.asarray(v)[:rows])
                failed.append(np.asarray(bad)[:rows])
                bar.update(rows)
            pending = current
    return Evaluation(np.concatenate(values), np.concatenate(failed))


def apply_policy(
    failed: np.ndarray, *, block_size: int, policy: FailurePolicy, method: str
) -> tuple[np.ndarray, FailureReport]:
    """Rows to keep under ``policy``; a failed row drops its whole design block.

    Designs have structure (a Saltelli block of ``2d + 2`` rows, a Morris trajectory of
    ``d + 1``): excluding a failed row means excluding its block. 'fail' raises
    :class:`EvaluationError` with the count; 'exclude' warns and returns the kept rows.
    """
    if policy not in POLICIES:
        raise EvaluationError(f"failure_policy must be one of {list(POLICIES)}, got {policy!r}")
    failed = np.asarray(failed, dtype=bool)
    n_blocks = failed.size // block_size
    bad_blocks = failed[: n_blocks * block_size].reshape(n_blocks, block_size).any(axis=1)
    report = FailureReport(method, policy, int(failed.size), int(failed.sum()), block_size, n_blocks, int(bad_blocks.sum()))
    if report.n_failed == 0:
        return np.ones(failed.size, dtype=bool), report
    what = f"{method}: {report.n_failed} of {report.n_evaluations} evaluations failed (non-finite output or solver failure)"
    if policy == "fail":
        raise EvaluationError(f"{what}; failure_policy is 'fail' (set it to 'exclude' to drop them)")
    if bad_blocks.all():
        raise EvaluationError(f"{what}; every one of the {n_blocks} design blocks has a failure, nothing left to analyse")
    warnings.warn(
        f"{what}; excluded {report.n_blocks_dropped} of {n_blocks} design blocks of {block_size} rows",
        RuntimeWarning,
        stacklevel=3,
    )
    return np.repeat(~bad_blocks, block_size), report
