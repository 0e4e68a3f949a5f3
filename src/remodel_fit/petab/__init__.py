"""PEtab v1 import: an SBML model plus condition, measurement, observable and parameter tables
become JAX functions (libsbml → sbmlmath → sympy → ``jax.numpy``), PEtab's log-likelihood,
objective priors, a remodel-fit :class:`~remodel_fit.model.base.Model` and a NUTS fit (see
docs/petab.md).

Needs the optional extra ``remodel-fit[petab]`` (petab, python-libsbml, sbmlmath, sympy). The names
below load on first use, so :mod:`.options` and :mod:`.files` import without the extra.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "log_likelihood": "likelihood", "make_log_likelihood": "likelihood", "make_value_and_grad": "likelihood",
    "to_linear": "likelihood", "to_scale": "likelihood", "to_model": "model", "log_prior": "objective_priors",
    "PetabProblem": "problem", "load_problem": "problem", "make_simulator": "simulate", "SolverOptions": "options",
    "PetabFitOptions": "options", "fit_problem": "fit",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
