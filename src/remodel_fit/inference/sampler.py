"""NUTS over a NumPyro model (:func:`sample_nuts`; :func:`run_nuts` for a :class:`~.fit_model.FitModel`),
optionally started from a Laplace fit.

Parallel chains need one host device per chain, and the device count can only be set before
JAX's backend starts (:func:`remodel_fit.runtime.configure`, called by the CLI). Parallel chains
use the forward-mode gradient (:mod:`remodel_fit.solve.forward`); reverse mode through diffrax
crashes under ``pmap``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree
from numpyro.infer import MCMC, NUTS, init_to_median
from numpyro.infer.util import initialize_model

from .fit_model import FitModel
from .laplace import Laplace, laplace
from .options import NutsOptions

EXTRA_FIELDS = ("diverging", "num_steps", "energy", "accept_prob", "potential_energy", "adapt_state.step_size")


@dataclass
class Sampled:
    """A finished NUTS run of any NumPyro model."""

    mcmc: MCMC
    chain_method: str
    seconds: float
    laplace: Laplace | None = None
    """The Laplace start (``nuts.init: laplace``), None otherwise or when it failed."""


@dataclass
class NutsRun:
    mcmc: MCMC
    fit_model: FitModel
    chain_method: str
    seconds: float
    laplace: Laplace | None = None
    """The Laplace start (``nuts.init: laplace``), None otherwise or when it failed."""


def run_nuts(fm: FitModel, key: jax.Array, *, y=None) -> NutsRun:
    """Run NUTS as ``fm.options.nuts`` says, conditioned on ``y`` (default: the dataset's values)."""
    y = fm.values if y is None else y
    run = sample_nuts(fm, fm.options.nuts, key, gradient=fm.gradient, model_kwargs={"y": y},
                      shardable=not fm.options.solver.uses_lineax)
    return NutsRun(run.mcmc, fm, run.chain_method, run.seconds, run.laplace)


def sample_nuts(model: Callable, nuts: NutsOptions, key: jax.Array, *, gradient: str, model_kwargs: dict | None = None,
                init_strategy: Callable | None = None, shardable: bool = True) -> Sampled:
    """NUTS over the NumPyro ``model(**model_kwargs)`` as ``nuts`` says; ``gradient`` (how the model
    differentiates its solves) and ``shardable`` (whether they run under ``pmap``) decide the chain
    method (:func:`chain_method`).

    Chains start from ``init_strategy`` (default: near the prior median). ``nuts.init: laplace`` first
    fits a Laplace approximation (:mod:`.laplace`) from there: its inverse Hessian is the initial
    inverse mass matrix and each chain starts at a draw from it.
    """
    model_kwargs = dict(model_kwargs or {})
    init_strategy = init_strategy or init_to_median(num_samples=15)
    method = chain_method(nuts.chain_method, gradient, nuts.chains, shardable)
    start = time.perf_counter()
    approx, init_params, inverse_mass = None, None, None
    if nuts.init == "laplace":
        key, k_init, k_draws = jax.random.split(key, 3)
        approx, init_params = laplace_start(model, model_kwargs, k_init, k_draws, nuts.chains, init_strategy)
        if approx is not None:
            inverse_mass = approx.covariance if nuts.dense_mass else jnp.diag(approx.covariance)
    kernel = NUTS(
        model,
        target_accept_prob=nuts.target_accept,
        dense_mass=nuts.dense_mass,
        max_tree_depth=nuts.max_tree_depth,
        init_strategy=init_strategy,
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
    mcmc.run(key, **model_kwargs, extra_fields=EXTRA_FIELDS, init_params=init_params)
    jax.block_until_ready(mcmc.get_samples())
    return Sampled(mcmc, method, time.perf_counter() - start, approx)


def chain_method(requested: str, gradient: str, chains: int, shardable: bool = True) -> str:
    """The chain method NUTS can use: 'parallel' needs the forward gradient (reverse mode through
    diffrax crashes under ``pmap``), a solver that runs under ``pmap`` (``shardable``; Kvaerno's lineax
    solves do not): vectorised otherwise; and one host device per chain (else sequential, with a warning)."""
    if requested != "parallel":
        return requested
    if gradient == "reverse" or not shardable:
        return "vectorized"
    devices = jax.local_device_count()
    if devices < chains:
        warnings.warn(f"nuts.chains is {chains} but {devices} host device(s): the chains run one after another",
                      RuntimeWarning, stacklevel=3)
        return "sequential"
    return "parallel"


def laplace_start(model: Callable, model_kwargs: dict, k_init: jax.Array, k_draws: jax.Array, chains: int,
                  init_strategy: Callable | None = None):
    """(Laplace approximation, per-chain unconstrained start values), or (None, None) if it failed; the
    mode search starts from ``init_strategy`` (default: near the prior median)."""
    init_strategy = init_strategy or init_to_median(num_samples=15)
    info = initialize_model(k_init, model, model_kwargs=model_kwargs, init_strategy=init_strategy)
    flat, unravel = ravel_pytree(info.param_info.z)
    approx = laplace(lambda x: info.potential_fn(unravel(x)), flat)
    if approx is None:
        warnings.warn("nuts.init laplace: the mode search ended non-finite; NUTS starts from its usual start",
                      stacklevel=2)
        return None, None
    if not approx.converged:
        warnings.warn(f"nuts.init laplace: BFGS did not converge in {approx.iterations} iterations (potential "
                      f"{approx.potential:.4g}); warm-up starts from draws around its last point", stacklevel=2)
    starts = jax.vmap(unravel)(approx.draws(k_draws, chains))
    return approx, starts if chains > 1 else jax.tree_util.tree_map(lambda a: a[0], starts)
