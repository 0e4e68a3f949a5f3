"""Subcutaneous teriparatide (rhPTH(1-34)) as daily pulses of serum PTH.

One-compartment Bateman kinetics of a subcutaneous dose D (ug): absorption ``ka``, bioavailability
``F``, volume ``V``, elimination ``ke`` (defaults and their sources: the ``teri_*`` parameters of
``bone_inflammation_v2``; molar mass 4117.8 g/mol, 20 ug = 4.86 nmol, Satterwhite et al. 2010
Calcif Tissue Int 87:485). Two ways to feed a core:

- :func:`concentration`: the concentration at any time from explicit doses (the dose recursion of
  :mod:`remodel_fit.model.drugs`, O(1) per evaluation); a solver must step through every pulse.
- :func:`daily_mean`: the mean over one day of any function of the concentration under
  once-daily dosing at its periodic steady state, by composite Gauss-Legendre quadrature on a
  grid graded towards the pulse (the pulse peaks ~20 min after the dose and is gone after ~4 h).
  The bone cells respond over days, so averaging the PTH signals over the day is the first-order
  average of the pulsed system; the core then sees a piecewise-constant input.
"""

from __future__ import annotations

from collections.abc import Callable

import jax.numpy as jnp
import numpy as np

from ..model.drugs import after_doses, amounts_at
from ..model.inputs import DoseSchedule

MOLAR_MASS = 4117.8
"""g/mol, teriparatide (PTH 1-34)."""
PMOL_PER_UG = 1e-6 / MOLAR_MASS * 1e12

_EDGES = np.array([0.0, 0.004, 0.012, 0.025, 0.05, 0.1, 0.2, 0.4, 1.0])  # days: graded towards the pulse
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
NODES = np.concatenate([0.5 * (b - a) * _GL_X + 0.5 * (b + a) for a, b in zip(_EDGES[:-1], _EDGES[1:])])
WEIGHTS = np.concatenate([0.5 * (b - a) * _GL_W for a, b in zip(_EDGES[:-1], _EDGES[1:])])


def periodic_concentration(tau: jnp.ndarray, dose_ug: jnp.ndarray, ka, ke, V, F, period: float = 1.0) -> jnp.ndarray:
    """Serum teriparatide (pM) ``tau`` days after a dose at the periodic steady state of one dose of
    ``dose_ug`` every ``period`` days (the geometric sum over all earlier doses)."""
    amount = F * dose_ug * PMOL_PER_UG / V
    scale = amount * ka / (ke - ka)
    return scale * (jnp.exp(-ka * tau) / (-jnp.expm1(-ka * period)) - jnp.exp(-ke * tau) / (-jnp.expm1(-ke * period)))


def daily_mean(fn: Callable[[jnp.ndarray], jnp.ndarray], dose_ug: jnp.ndarray, ka, ke, V, F) -> jnp.ndarray:
    """Mean over one day of ``fn(C(tau))`` under once-daily dosing of ``dose_ug``.

    Written as fn(0) plus the mean change, so a zero dose gives fn(0) exactly."""
    c = periodic_concentration(jnp.asarray(NODES), dose_ug, ka, ke, V, F)
    at_zero = fn(jnp.zeros(()))
    return at_zero + jnp.sum(jnp.asarray(WEIGHTS) * (fn(c) - at_zero))


def prepare_doses(doses: DoseSchedule, ka, ke, F) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Depot and central amounts (ug) after each dose, once per solve."""
    return after_doses(doses, ka, ke, F)


def concentration(doses: DoseSchedule, after: tuple, t: jnp.ndarray, ka, ke, V, F) -> jnp.ndarray:
    """Serum teriparatide (pM) at ``t`` from explicit doses (ug); ``after`` from :func:`prepare_doses`."""
    _, central_ug = amounts_at(doses, after, t, ka, ke, F)
    return central_ug * PMOL_PER_UG / V
