"""PEtab v1 import: an SBML model plus condition, measurement, observable and parameter tables
become JAX functions (libsbml → sbmlmath → sympy → ``jax.numpy``), PEtab's log-likelihood,
objective priors and a remodel-fit :class:`~remodel_fit.model.base.Model` (see docs/petab.md).

Needs the optional extra ``remodel-fit[petab]`` (petab, python-libsbml, sbmlmath, sympy).
"""

from __future__ import annotations

from .likelihood import log_likelihood, make_log_likelihood, make_value_and_grad, to_linear, to_scale
from .model import to_model
from .objective_priors import log_prior
from .problem import PetabProblem, load_problem
from .simulate import SolverOptions, make_simulator

__all__ = ["PetabProblem", "SolverOptions", "load_problem", "log_likelihood", "log_prior", "make_log_likelihood",
           "make_simulator", "make_value_and_grad", "to_linear", "to_model", "to_scale"]
