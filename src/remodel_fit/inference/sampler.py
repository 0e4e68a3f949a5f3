"""NUTS over a :class:`~remodel_fit.inference.model.FitModel`, with the JAX compile cache on.

Parallel chains need one host device per chain, and the device count can only be set
before JAX's backend starts: call :func:`configure_host_devices` first thing (the CLI
does, before any JAX work). ``chain_method='parallel'`` uses the forward-mode gradient
(see :mod:`.gradient`); reverse mode through diffrax crashes under ``pmap``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import jax
from numpyro.infer import MCMC, NUTS, init_to_median

from .model import FitModel

MAX_HOST_DEVICES = 2
EXTRA_FIELDS = ("diverging", "num_steps", "energy", "accept_prob", "potential_energy", "adapt_state.step_size")
REPO_ROOT = Path(__file__).resolve().parents[3]


def configure_host_devices(chains: int) -> int:
    """Ask XLA for ``min(chains, 2)`` host devices; a no-op once JAX's backend is running."""
    from jax._src import xla_bridge

    n = max(1, min(int(chains), MAX_HOST_DEVICES))
    if xla_bridge.backends_are_initialized():
        return jax.local_device_count()
    flags = [f for f in os.environ.get("XLA_FLAGS", "").split() if "xla_force_host_platform_device_count" not in f]
    os.environ["XLA_FLAGS"] = " ".join(flags + [f"--xla_force_host_platform_device_count={n}"])
    return n


def enable_compile_cache(path: str | os.PathLike | None = None) -> Path:
    """Turn on JAX's persistent compilation cache (env ``REMODEL_FIT_JAX_CACHE``, default ``.jax_cache``)."""
    cache = Path(path or os.environ.get("REMODEL_FIT_JAX_CACHE") or REPO_ROOT / ".jax_cache")
    cache.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(cache))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    return cache


@dataclass
class NutsRun:
    mcmc: MCMC
    fit_model: FitModel
    chain_method: str
    seconds: float


def run_nuts(fm: FitModel, key: jax.Array, *, y=None) -> NutsRun:
    """Run NUTS as ``fm.spec.nuts`` says, conditioned on ``y`` (default: the dataset's values)."""
    nuts = fm.spec.nuts
    method = nuts.chain_method
    if method == "parallel" and fm.gradient == "reverse":
        method = "vectorized"  # reverse mode through diffrax crashes under pmap (STACK-NOTES)
    if method == "parallel" and jax.local_device_count() < nuts.chains:
        method = "sequential"
    kernel = NUTS(
        fm,
        target_accept_prob=nuts.target_accept,
        dense_mass=nuts.dense_mass,
        max_tree_depth=nuts.max_tree_depth,
        init_strategy=init_to_median(num_samples=15),
    )
    mcmc = MCMC(
        kernel,
        num_warmup=nuts.warmup,
        num_samples=nuts.draws,
        num_chains=nuts.chains,
        chain_method=method,
        progress_bar=False,
    )
    start = time.perf_counter()
    mcmc.run(key, y=fm.values if y is None else y, extra_fields=EXTRA_FIELDS)
    jax.block_until_ready(mcmc.get_samples())
    return NutsRun(mcmc, fm, method, time.perf_counter() - start)
