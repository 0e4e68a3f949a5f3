"""What one fit needs, fully resolved against its model: priors, NUTS options, solver.

:class:`NutsOptions` holds the sampler's settings and their defaults (the config's
``fit.fits.<name>.nuts`` is validated as it); :class:`FitOptions` is what
:class:`~.fit_model.FitModel` consumes, built from a config by :mod:`remodel_fit.settings.fit`
or directly in Python. :func:`gradient_mode` is the one place that decides between forward
and reverse mode.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from ..solve.options import SolverConfig
from ..validation import Flag

DistName = Literal["lognormal", "normal", "halfnormal", "truncnormal"]
"""The short forms of a prior (any continuous NumPyro family is also accepted, :data:`.priors.FAMILIES`)."""
ChainMethod = Literal["parallel", "sequential", "vectorized"]
Gradient = Literal["auto", "reverse", "forward"]


@dataclasses.dataclass(frozen=True)
class Prior:
    """A prior: a short form, ``lognormal`` (median ``loc``, log-sd ``scale``), ``normal``, ``halfnormal``
    (``scale``) or ``truncnormal`` (``loc``, ``scale`` on [``lower``, ``upper``]); or a continuous NumPyro
    family (``dist`` its class name, e.g. ``HalfCauchy``) with keyword arguments ``kwargs``, truncated to
    [``lower``, ``upper``] when those are finite (``loc`` and ``scale`` unused)."""

    dist: str
    loc: float = 0.0
    scale: float = 1.0
    lower: float = float("-inf")
    upper: float = float("inf")
    kwargs: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class NutsOptions:
    """NUTS and its warm-up (NumPyro)."""

    chains: int = Field(2, ge=1, description="chains (parallel: one host device each, at most 2)")
    warmup: int = Field(300, ge=1, description="warm-up iterations per chain")
    draws: int = Field(300, ge=1, description="kept draws per chain")
    target_accept: float = Field(0.85, gt=0, lt=1, description="target acceptance probability of the step-size adaptation")
    dense_mass: Flag = Field(False, description="dense (full covariance) mass matrix instead of a diagonal one")
    chain_method: ChainMethod = Field("parallel", description="parallel: one host device per chain (at most 2)")
    max_tree_depth: int = Field(8, ge=1, description="largest NUTS tree depth (2^depth leapfrog steps)")
    predictive_chunk: int = Field(100, ge=1, description="draws per chunk of the predictive pass")
    predictive_draws: int | None = Field(400, ge=1, description="draws kept (thinned evenly) in the posterior- and "
                                         "prior-predictive groups of the fit file; null: every draw")
    init: Literal["median", "laplace"] = Field(
        "median",
        description="median: chains start near the prior median (a PEtab fit: at the problem's nominal values); "
        "laplace: BFGS mode (searched from there) + finite-difference Hessian, its inverse the initial inverse mass "
        "matrix, chains start at draws from it",
    )
    adapt_mass_matrix: Flag = Field(True, description="adapt the mass matrix in warm-up (false keeps the Laplace one)")
    progress_bar: Flag = Field(
        False,
        description="NumPyro's per-chain progress bar in the fit log (its host callbacks keep the sampler out of "
        "the persistent compile cache)",
    )
    gradient: Gradient = Field(
        "auto",
        description="auto: forward-mode Jacobian in a custom VJP for parallel chains (reverse mode crashes under "
        "pmap) and for the fused engine, reverse otherwise",
    )


def gradient_mode(nuts: NutsOptions, solver: SolverConfig | None = None) -> str:
    """'forward' or 'reverse': how a fit differentiates its solves (``solver`` None: a fit whose
    solves are not the package's, e.g. a PEtab problem's).

    The fused engine has forward mode only; ``auto`` picks forward for parallel chains (reverse
    mode through diffrax crashes under ``pmap``) and reverse otherwise."""
    if (solver is not None and solver.engine == "fused") or nuts.gradient == "forward":
        return "forward"
    if nuts.gradient == "reverse":
        return "reverse"
    return "forward" if nuts.chain_method == "parallel" else "reverse"


@dataclasses.dataclass(frozen=True)
class EffectDesign:
    """Where a sampled random effect varies: per ``subject`` or per ``group`` (e.g. a study's arms share one
    effect), and subject-level ``covariates`` (name -> sd of the Normal(0, sd) prior of its log-scale coefficient):
    P_subject = P exp(sum_k beta_k x_k + sd z)."""

    level: Literal["subject", "group"] = "subject"
    covariates: Mapping[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class FitOptions:
    """Everything needed to build and run one fit (names resolved against the model)."""

    name: str
    model: str
    free: Mapping[str, Prior]
    fixed: Mapping[str, float]
    random_effects: Mapping[str, float]
    """Parameter -> half-normal scale of its between-subject log-sd."""
    noise: Mapping[str, Prior]
    """Observable (or 'default') -> prior of its noise sd ``sigma_<obs>``."""
    nuts: NutsOptions = dataclasses.field(default_factory=NutsOptions)
    solver: SolverConfig = dataclasses.field(default_factory=SolverConfig)
    seed: int = 0
    effect_design: Mapping[str, EffectDesign] = dataclasses.field(default_factory=dict)
    """Random effect -> its level and covariates (absent: per subject, none)."""
    random_effects_method: Literal["marginal", "sampled"] = "marginal"
    """'marginal': effects on observable scales are integrated out in closed form (see
    :mod:`.marginal`; other effects are sampled); 'sampled': every effect is a NUTS latent."""
    discrepancy: bool = False
    """Every observable gets a noise sd ``sigma_<obs>``, added in quadrature to the table's sd
    where there is one (a published SE measures the sampling error of a mean, not how far a
    model may be from it); False: the table's sd alone where given."""
    config_hash: str = ""
    """sha256 of the config section the options came from (provenance)."""

    def with_budget(self, warmup: int, draws: int) -> FitOptions:
        """These options with another NUTS budget."""
        return dataclasses.replace(self, nuts=dataclasses.replace(self.nuts, warmup=warmup, draws=draws))
