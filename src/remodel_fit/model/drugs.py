"""Treatments: subcutaneous antibody pharmacokinetics.

Doses go to a subcutaneous depot absorbed first-order (rate ``ka``, bioavailability
``F``). For the linear anti-cytokine antibodies the serum concentration is the
closed-form one-compartment (Bateman) solution, so no ODE state is needed; denosumab,
with saturable (target-mediated) elimination, gets a central ODE state whose absorption
input is the closed-form depot amount.

Because the PK is linear, the depot and central amounts right after each dose follow a
recursion over the doses (:func:`after_doses`, once per solve, in the model's ``prepare``);
at any time ``t`` the amounts are those after the last dose given, propagated in closed
form (:func:`amounts_at`). A right-hand-side evaluation then costs a few exponentials
whatever the number of doses, instead of a sum over every dose slot.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .inputs import DoseSchedule


def mg_to_pmol(mg: jnp.ndarray, molar_mass_kda: float) -> jnp.ndarray:
    """Milligrams of a protein of ``molar_mass_kda`` to picomoles."""
    return mg * 1e9 / (molar_mass_kda * 1e3)


def transfer(dt: jnp.ndarray, ka: jnp.ndarray, ke: jnp.ndarray) -> jnp.ndarray:
    """(exp(-ke dt) - exp(-ka dt)) / (ka - ke), written as exp(-min(ka, ke) dt) (1 - exp(-|ka - ke| dt))
    / |ka - ke| so it cannot overflow whichever rate is faster (absorption-limited drugs such as
    teriparatide have ka < ke); as ka -> ke its first-order expansion dt exp(-ke dt) (1 - (ka - ke) dt / 2),
    exact in value and gradient at ka = ke."""
    diff = ka - ke
    close = jnp.abs(diff) < 1e-9
    safe = jnp.where(close, 1e-9, jnp.abs(diff))
    slow = jnp.minimum(ka, ke)
    return jnp.where(close, dt * jnp.exp(-ke * dt) * (1.0 - 0.5 * diff * dt), jnp.exp(-slow * dt) * (-jnp.expm1(-safe * dt)) / safe)


def _propagate(depot, central, dt, ka, ke, bioavailability):
    """Depot and absorbed (central) amounts ``dt`` later, with no dose in between."""
    return (depot * jnp.exp(-ka * dt),
            central * jnp.exp(-ke * dt) + bioavailability * ka * depot * transfer(dt, ka, ke))


def after_doses(doses: DoseSchedule, ka, ke, bioavailability) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Depot and central amounts (dose units) just after each dose slot.

    Padding slots (time +inf, amount 0) repeat the last real dose's amounts.
    """
    times = jnp.asarray(doses.times)
    finite = jnp.isfinite(times)
    times = jnp.where(finite, times, jnp.max(jnp.where(finite, times, -jnp.inf), initial=0.0))
    gaps = jnp.diff(times, prepend=times[:1])

    def step(carry, x):
        gap, amount = x
        depot, central = _propagate(*carry, gap, ka, ke, bioavailability)
        out = (depot + amount, central)
        return out, out

    zero = jnp.zeros((), dtype=times.dtype)
    _, (depot, central) = jax.lax.scan(step, (zero, zero), (gaps, jnp.asarray(doses.amounts)))
    return depot, central


def amounts_at(doses: DoseSchedule, after: tuple[jnp.ndarray, jnp.ndarray], t, ka, ke, bioavailability):
    """Depot and central amounts at ``t`` from the amounts after the last dose given by then."""
    n_given = jnp.sum(doses.times <= t)
    last = jnp.maximum(n_given - 1, 0)
    dt = jnp.where(n_given > 0, t - doses.times[last], 0.0)
    depot, central = _propagate(after[0][last], after[1][last], dt, ka, ke, bioavailability)
    given = n_given > 0
    return jnp.where(given, depot, 0.0), jnp.where(given, central, 0.0)
