"""A NUTS fit of a PEtab problem: the posterior of the estimated parameters on their parameter scale.

The NumPyro model (:class:`PetabPosterior`) has one site per estimated parameter, on its PEtab
parameter scale (lin/log/log10) with the bounds as support (NUTS samples the unconstrained image,
NumPyro adds the Jacobian), the objective priors (:func:`~.objective_priors.log_prior`; uniform on
the parameter scale where none is given) and PEtab's log-likelihood as factors. The likelihood's
gradient is :func:`~.likelihood.make_value_and_grad`'s (forward or reverse sensitivities) inside a
custom VJP, so parallel chains (``pmap``) never differentiate diffrax in reverse mode.

Typical use::

    problem = load_problem("problem.yaml")
    idata = fit_problem(problem, PetabFitOptions(name="boehm", nuts=NutsOptions(chains=2)))
    write_idata(idata, "results/fit/boehm/idata.nc")      # remodel_fit.inference
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
from numpyro import distributions as dist
import xarray as xr
from numpyro.distributions import constraints
from numpyro.infer import init_to_value

from ..errors import PetabError
from ..inference.options import gradient_mode
from ..inference.sampler import sample_nuts
from ..seeds import stage_key
from .fit_file import fit_file
from .likelihood import make_value_and_grad, to_scale
from .objective_priors import log_prior, scaled_bounds
from .options import PetabFitOptions, SolverOptions
from .problem import PetabProblem, load_problem

PRIOR_SITE = "objective_prior"
LIKELIHOOD_SITE = "petab_log_likelihood"
START_MARGIN = 1e-3
"""Chains start at the nominal values moved inside the bounds by this fraction of each range."""


def with_gradient(value_and_grad: Callable) -> Callable:
    """``x -> value`` whose derivative is the gradient ``value_and_grad(x)`` computes (a custom VJP)."""

    @jax.custom_vjp
    def value(x):
        return value_and_grad(x)[0]

    def forward(x):
        return value_and_grad(x)

    def backward(gradient, cotangent):
        return (cotangent * gradient,)

    value.defvjp(forward, backward)
    return value


def _support(lo: float, hi: float):
    if np.isfinite(lo) and np.isfinite(hi):
        return constraints.interval(lo, hi)
    if np.isfinite(lo):
        return constraints.greater_than(lo)
    return constraints.less_than(hi) if np.isfinite(hi) else constraints.real


class PetabPosterior:
    """A callable NumPyro model ``posterior()`` of an imported PEtab problem (no observed sites: the data
    enter through PEtab's log-likelihood, a factor)."""

    def __init__(self, problem: PetabProblem, solver: SolverOptions):
        self.problem, self.solver = problem, solver
        self.ids = tuple(problem.estimated_ids)
        self.lower, self.upper = scaled_bounds(problem)
        check_fittable(problem, self.lower, self.upper)
        self.value_and_grad = make_value_and_grad(problem, solver)
        self.log_likelihood = with_gradient(self.value_and_grad)

    def parameters(self) -> jnp.ndarray:
        """The estimated parameters on the parameter scale (one site each, supported on its bounds)."""
        return jnp.stack([numpyro.sample(pid, dist.ImproperUniform(_support(lo, hi), (), ()))
                          for pid, lo, hi in zip(self.ids, self.lower, self.upper)])

    def __call__(self):
        x = self.parameters()
        numpyro.factor(PRIOR_SITE, log_prior(self.problem, x))
        numpyro.factor(LIKELIHOOD_SITE, self.log_likelihood(x))

    def nominal(self) -> np.ndarray:
        """The nominal values of the estimated parameters on the parameter scale."""
        return to_scale(self.problem, self.problem.nominal_estimated)

    def start(self) -> dict[str, float]:
        """Where chains start (``nuts.init: median``; the Laplace start's mode search begins there): the
        nominal values, moved inside the bounds by ``START_MARGIN`` of each range."""
        x = self.nominal()
        margin = np.where(np.isfinite(self.upper - self.lower), START_MARGIN * (self.upper - self.lower), 0.0)
        x = np.clip(x, self.lower + margin, self.upper - margin)
        return {pid: float(v) for pid, v in zip(self.ids, x)}


def check_fittable(problem: PetabProblem, lower: np.ndarray, upper: np.ndarray) -> None:
    """PetabError naming the problem unless every estimated parameter has a proper prior and no id
    clashes with the model's own site names."""
    where = problem.yaml_path
    if not problem.estimated_ids:
        raise PetabError(f"{where}: no parameter is estimated (estimate = 1): nothing to fit")
    table = problem.parameters
    for j, i in enumerate(np.where(table.estimated)[0]):
        pid = table.ids[i]
        if pid in (PRIOR_SITE, LIKELIHOOD_SITE):
            raise PetabError(f"{where}: parameter id {pid!r} is a site name of the fit; rename it")
        if table.priors[i]["default"] and not (np.isfinite(lower[j]) and np.isfinite(upper[j])):
            raise PetabError(f"{where}: parameter {pid!r} has no objectivePriorType and a bound that is infinite on "
                             f"its {table.scales[i]} scale: its default prior (uniform on that scale) is improper")


def fit_problem(problem: PetabProblem | str | os.PathLike, options: PetabFitOptions | None = None) -> xr.DataTree:
    """Fit ``problem`` (imported, or its YAML) with NUTS as ``options`` says (default: its name, default
    NUTS options, seed 0); seeds from ``stage_key(options.seed, 'fit:<name>')``.

    Returns the fit file (:func:`~.fit_file.fit_file`; write it with
    :func:`remodel_fit.inference.write_idata`).
    """
    if not isinstance(problem, PetabProblem):
        problem = load_problem(problem)
    options = options or PetabFitOptions(name=problem.name)
    gradient = gradient_mode(options.nuts)
    posterior = PetabPosterior(problem, dataclasses.replace(options.solver, mode=gradient))
    k_nuts, k_pred = jax.random.split(stage_key(options.seed, f"fit:{options.name}"))
    run = sample_nuts(posterior, options.nuts, k_nuts, gradient=gradient,
                      init_strategy=init_to_value(values=posterior.start()), shardable=options.solver.shardable)
    return fit_file(posterior, run, options, k_pred)
