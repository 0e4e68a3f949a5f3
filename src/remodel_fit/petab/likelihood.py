"""PEtab's log-likelihood (the sum of the noise models' log densities over all measurements,
including the Jacobian of log/log10 transformations, as ``petab.v1.calculate`` defines it) and
its value and gradient on the parameter scale."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .problem import PetabProblem
from .options import SolverOptions
from .simulate import make_simulator

LN10 = float(np.log(10.0))


def noise_log_density(m, y, sigma, transformation: str, distribution: str):
    """Log density of measurement ``m`` given simulation ``y`` and sd/scale ``sigma`` (PEtab v1)."""
    if transformation == "lin":
        r, jac = y - m, 0.0
    elif transformation == "log":
        r, jac = jnp.log(y) - jnp.log(m), jnp.log(m)
    else:
        r, jac = jnp.log10(y) - jnp.log10(m), jnp.log(m * LN10)
    if distribution == "normal":
        return -0.5 * jnp.log(2 * jnp.pi * sigma**2) - 0.5 * (r / sigma) ** 2 - jac
    return -jnp.log(2 * sigma) - jnp.abs(r) / sigma - jac


def unscale(x, scale: str):
    """A parameter from its PEtab scale to linear."""
    return {"lin": lambda v: v, "log": jnp.exp, "log10": lambda v: 10.0**v}[scale](x)


def full_theta(problem: PetabProblem, theta_estimated) -> jnp.ndarray:
    """All parameter-table values (linear): nominal values with the estimated ones replaced."""
    idx = np.where(problem.parameters.estimated)[0]
    return jnp.asarray(problem.parameters.nominal).at[idx].set(jnp.asarray(theta_estimated))


def noise_sample(key, y, sigma, transformation: str, distribution: str):
    """A replicate measurement of simulation ``y`` with sd/scale ``sigma`` (the noise model of
    :func:`noise_log_density`: the noise acts on the transformed scale)."""
    import jax.random as jr

    eps = jr.normal(key, jnp.shape(y)) if distribution == "normal" else jr.laplace(key, jnp.shape(y))
    if transformation == "lin":
        return y + sigma * eps
    if transformation == "log":
        return jnp.exp(jnp.log(y) + sigma * eps)
    return 10.0 ** (jnp.log10(y) + sigma * eps)


def noise_groups(problem: PetabProblem) -> list[tuple[np.ndarray, str, str]]:
    """(measurement rows, transformation, noise distribution) per observable."""
    return [(rows, problem.observables[o].transformation, problem.observables[o].noise_distribution)
            for o, rows in problem.measurements.rows_by_observable.items()]


def pointwise_log_density(problem: PetabProblem) -> Callable:
    """``(y, sigma) -> log density of each measurement row`` (PEtab v1 noise models)."""
    values = jnp.asarray(problem.measurements.values)
    groups = noise_groups(problem)

    def pointwise(y, s):
        out = jnp.zeros(len(problem.measurements.values))
        for r, tr, d in groups:
            out = out.at[r].set(noise_log_density(values[r], y[r], s[r], tr, d))
        return out

    return pointwise


def log_density_of_simulation(problem: PetabProblem) -> Callable:
    """``(y, sigma, ok) -> llh`` summed over measurement rows; −inf unless ``ok``."""
    m = problem.measurements
    values = jnp.asarray(m.values)
    groups = noise_groups(problem)

    def density(y, s, ok):
        total = sum(jnp.sum(noise_log_density(values[r], y[r], s[r], tr, d)) for r, tr, d in groups)
        return jnp.where(ok, total, -jnp.inf)

    return density


def make_log_likelihood(problem: PetabProblem, opts: SolverOptions | None = None) -> Callable:
    """``theta_estimated (linear) -> llh``; −inf where an ODE solve failed (not jitted)."""
    simulate = make_simulator(problem, opts)
    density = log_density_of_simulation(problem)
    return lambda theta_estimated: density(*simulate(full_theta(problem, theta_estimated)))


def to_linear(problem: PetabProblem, x) -> jnp.ndarray:
    """Estimated parameters from the parameter scale to linear."""
    scales = [problem.parameters.scales[i] for i in np.where(problem.parameters.estimated)[0]]
    return jnp.stack([unscale(x[j], s) for j, s in enumerate(scales)])


def to_scale(problem: PetabProblem, theta) -> np.ndarray:
    """Estimated parameters from linear to the parameter scale."""
    f = {"lin": lambda v: v, "log": np.log, "log10": np.log10}
    scales = [problem.parameters.scales[i] for i in np.where(problem.parameters.estimated)[0]]
    return np.array([f[s](float(v)) for v, s in zip(theta, scales)])


def make_value_and_grad(problem: PetabProblem, opts: SolverOptions | None = None) -> Callable:
    """Jitted ``x (estimated, parameter scale) -> (llh, dllh/dx)``; ``opts.mode`` 'forward' uses
    forward sensitivities (``jax.jacfwd``; cheaper for few parameters), 'reverse' ``jax.grad``."""
    opts = opts or SolverOptions()
    llh = make_log_likelihood(problem, opts)

    def f(x):
        return llh(to_linear(problem, x))

    if opts.mode == "forward":
        def vg(x):
            g, v = jax.jacfwd(lambda z: (f(z), f(z)), has_aux=True)(x)
            return v, g
        return jax.jit(vg)
    return jax.jit(jax.value_and_grad(f))


def log_likelihood(problem: PetabProblem, theta_estimated=None, opts: SolverOptions | None = None) -> float:
    """The log-likelihood at ``theta_estimated`` (linear; default: the nominal values)."""
    theta = problem.nominal_estimated if theta_estimated is None else theta_estimated
    return float(jax.jit(make_log_likelihood(problem, opts))(jnp.asarray(theta, dtype=jnp.float64)))
