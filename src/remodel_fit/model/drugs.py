"""Treatments: subcutaneous antibody pharmacokinetics.

Doses go to a subcutaneous depot absorbed first-order (rate ``ka``, bioavailability
``F``). For the linear anti-cytokine antibodies the serum concentration is the
closed-form superposition of one-compartment (Bateman) curves, so no ODE state is
needed; denosumab, with saturable (target-mediated) elimination, gets a central
ODE state whose absorption input is the closed-form depot amount.
"""

from __future__ import annotations

import jax.numpy as jnp

from .inputs import DoseSchedule


def mg_to_pmol(mg: jnp.ndarray, molar_mass_kda: float) -> jnp.ndarray:
    """Milligrams of a protein of ``molar_mass_kda`` to picomoles."""
    return mg * 1e9 / (molar_mass_kda * 1e3)


def _elapsed(doses: DoseSchedule, t: jnp.ndarray):
    given = doses.times <= t
    return given, jnp.where(given, t - doses.times, 0.0)


def depot_amount(doses: DoseSchedule, t: jnp.ndarray, ka: jnp.ndarray) -> jnp.ndarray:
    """Amount (dose units) still in the depot at ``t``: sum of a_k exp(-ka (t - t_k))."""
    given, dt = _elapsed(doses, t)
    return jnp.sum(jnp.where(given, doses.amounts * jnp.exp(-ka * dt), 0.0))


def bateman_concentration(
    doses: DoseSchedule, t: jnp.ndarray, ka: jnp.ndarray, ke: jnp.ndarray, bioavailability: jnp.ndarray,
    volume_l: jnp.ndarray, molar_mass_kda: float,
) -> jnp.ndarray:
    """Serum concentration (pM) after SC doses in mg: linear one-compartment model."""
    given, dt = _elapsed(doses, t)
    # (exp(-ke dt) - exp(-ka dt)) / (ka - ke), written to stay finite when ka -> ke
    diff = ka - ke
    safe = jnp.where(jnp.abs(diff) < 1e-9, 1e-9, diff)
    kernel = jnp.where(
        jnp.abs(diff) < 1e-9,
        dt * jnp.exp(-ke * dt),
        jnp.exp(-ke * dt) * (-jnp.expm1(-safe * dt)) / safe,
    )
    pmol = mg_to_pmol(doses.amounts, molar_mass_kda)
    return jnp.sum(jnp.where(given, pmol * bioavailability * ka * kernel, 0.0)) / volume_l
