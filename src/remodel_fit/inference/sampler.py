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
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree
from numpyro.infer import MCMC, NUTS, init_to_median
from numpyro.infer.util import initialize_model

from .laplace import Laplace, laplace
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
    laplace: Laplace | None = None
    """The Laplace start (``nuts.init: laplace``), None otherwise or when it failed."""


def run_nuts(fm: FitModel, key: jax.Array, *, y=None) -> NutsRun:
    """Run NUTS as ``fm.spec.nuts`` says, conditioned on ``y`` (default: the dataset's values).

    ``nuts.init: laplace`` first fits a Laplace approximation (:mod:`.laplace`): its inverse
    Hessian is the initial inverse mass matrix and each chain starts at a draw from it.
    """
    nuts = fm.spec.nuts
    y = fm.values if y is None else y
    method = nuts.chain_method
    if method == "parallel" and fm.gradient == "reverse":
        method = "vectorized"  # reverse mode through diffrax crashes under pmap (STACK-NOTES)
    if method == "parallel" and jax.local_device_count() < nuts.chains:
        method = "sequential"
    start = time.perf_counter()
    approx, init_params, inverse_mass = None, None, None
    if nuts.init == "laplace":
        key, k_init, k_draws = jax.random.split(key, 3)
        approx, init_params = laplace_start(fm, y, k_init, k_draws, nuts.chains)
        if approx is not None:
            inverse_mass = approx.covariance if nuts.dense_mass else jnp.diag(approx.covariance)
    kernel = NUTS(
        fm,
        target_accept_prob=nuts.target_accept,
        dense_mass=nuts.dense_mass,
        max_tree_depth=nuts.max_tree_depth,
        init_strategy=init_to_median(num_samples=15),
        inverse_mass_matrix=inverse_mass,
        adapt_mass_matrix=nuts.adapt_mass_matrix or inverse_mass is None,
    )
    mcmc = MCMC(
        kernel,
        num_warmup=nuts.warmup,
        num_samples=nuts.draws,
        num_chains=nuts.chains,
        chain_method=method,
        progress_bar=nuts.progress_bar,
    )
    mcmc.run(key, y=y, extra_fields=EXTRA_FIELDS, init_params=init_params)
    jax.block_until_ready(mcmc.get_samples())
    return NutsRun(mcmc, fm, method, time.perf_counter() - start, approx)


def laplace_start(fm: FitModel, y, k_init: jax.Array, k_draws: jax.Array, chains: int):
    """(Laplace approximation, per-chain unconstrained start values), or (None, None) if it failed."""
    info = initialize_model(k_init, fm, model_kwargs={"y": y}, init_strategy=init_to_median(num_samples=15))
    flat, unravel = ravel_pytree(info.param_info.z)
    approx = laplace(lambda x: info.potential_fn(unravel(x)), flat)
    if approx is None:
        return None, None
    starts = jax.vmap(unravel)(approx.draws(k_draws, chains))
    return approx, starts if chains > 1 else jax.tree_util.tree_map(lambda a: a[0], starts)
