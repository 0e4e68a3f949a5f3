"""Treatments: antibody pharmacokinetics (PK helpers shared by the models and the arm-level data).

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

Population PK for published dosing (:class:`DrugPK`, :func:`concentration`): one or two
compartments, IV bolus or first-order SC absorption, optionally a parallel Michaelis-Menten
(target-mediated) elimination. Linear drugs use the exact superposition of unit responses;
the nonlinear one fixed-step RK4 in ``jax.lax.scan``. Both are jittable and differentiable in
the PK parameters. Volumes in L, clearances in L/day, doses in mg, concentrations mg/L (= ug/mL).
The published values per drug live with the application (``remodel_fit.bone.treatments``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import ModelError

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


# ----------------------------------------------------------------------------- population PK
ArrayLike = float | np.ndarray | jax.Array


@dataclass(frozen=True)
class DrugPK:
    """Typical PK: 2-compartment (``q = 0``: 1-compartment), optional SC absorption (``ka`` 1/day,
    bioavailability ``f``; ``f = 0``: no SC data) and optional parallel Michaelis-Menten
    elimination (``vmax`` mg/day, ``km`` mg/L) from the central compartment."""

    drug: str
    cl: float
    v1: float
    q: float = 0.0
    v2: float = 1.0
    ka: float = 0.0
    f: float = 0.0
    vmax: float = 0.0
    km: float = 1.0
    mw_kda: float = 148.0
    source: str = ""

    @property
    def linear(self) -> bool:
        return self.vmax == 0.0

    def half_life(self) -> float:
        """Terminal half-life (days) of the linear part."""
        alpha, beta, _, b = exponents(self)
        return math.log(2) / float(beta if float(b) > 0 else alpha)


class Doses(NamedTuple):
    """Dose events with their route (a :class:`~remodel_fit.model.inputs.DoseSchedule` has no route)."""

    times: np.ndarray    # days
    amounts: np.ndarray  # mg
    sc: np.ndarray       # True: subcutaneous, False: intravenous


def exponents(pk: DrugPK) -> tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike]:
    """Disposition rates (alpha >= beta, 1/day) and per-mg coefficients (A, B, 1/L) of the IV unit response."""
    k10, k12 = pk.cl / pk.v1, pk.q / pk.v1
    k21 = pk.q / pk.v2
    total = k10 + k12 + k21
    root = jnp.sqrt(total * total - 4.0 * k10 * k21)
    alpha, beta = 0.5 * (total + root), 0.5 * (total - root)
    a = (alpha - k21) / (pk.v1 * (alpha - beta))
    b = (k21 - beta) / (pk.v1 * (alpha - beta))
    return alpha, beta, a, b


def concentration(pk: DrugPK, d: Doses, t: ArrayLike, steps_per_day: int = 24) -> jax.Array:
    """Serum concentration (mg/L) at times ``t`` (days; just after any dose given at ``t``)."""
    if np.any(d.sc) and not pk.f:
        raise ModelError(f"{pk.drug}: subcutaneous doses but no SC absorption parameters (ka, f)")
    t = jnp.atleast_1d(jnp.asarray(t, dtype=float))
    if len(d.times) == 0:
        return jnp.zeros_like(t)
    if pk.linear:
        return linear_concentration(pk, d, t)
    return nonlinear_concentration(pk, d, t, steps_per_day)


def linear_concentration(pk: DrugPK, d: Doses, t: jax.Array) -> jax.Array:
    """Superposition of the unit responses: IV bi-exponential, SC Bateman terms (:func:`transfer`)."""
    alpha, beta, a, b = exponents(pk)
    dt = t[:, None] - jnp.asarray(d.times)[None, :]
    given = dt >= 0.0
    dt = jnp.where(given, dt, 0.0)
    route = np.asarray(d.sc, dtype=bool)
    iv = a * jnp.exp(-alpha * dt) + b * jnp.exp(-beta * dt) if not route.all() else 0.0
    # the SC terms only where there are SC doses: for ka << alpha they overflow at long dt
    sc = pk.f * pk.ka * (a * transfer(dt, pk.ka, alpha) + b * transfer(dt, pk.ka, beta)) if route.any() else 0.0
    unit = jnp.where(jnp.asarray(route)[None, :], sc, iv)
    return jnp.sum(jnp.where(given, jnp.asarray(d.amounts)[None, :] * unit, 0.0), axis=1)


def nonlinear_concentration(pk: DrugPK, d: Doses, t: jax.Array, steps_per_day: int) -> jax.Array:
    """RK4 on a grid of 1/steps_per_day days; doses are added at the nearest grid point.

    Between grid points the concentration is interpolated from the value just after the
    point's doses to the value at the end of the step (before the next point's doses).
    """
    h = 1.0 / steps_per_day
    n = math.ceil(float(jnp.max(t)) * steps_per_day) + 1
    idx = np.clip(np.rint(np.asarray(d.times) * steps_per_day).astype(int), 0, n)
    amounts = jnp.asarray(d.amounts, dtype=float)
    sc_in = jnp.zeros(n + 1).at[idx].add(jnp.where(jnp.asarray(d.sc), amounts, 0.0))
    iv_in = jnp.zeros(n + 1).at[idx].add(jnp.where(jnp.asarray(d.sc), 0.0, amounts))
    k10, k12, k21 = pk.cl / pk.v1, pk.q / pk.v1, pk.q / pk.v2

    def rhs(y: jax.Array) -> jax.Array:
        depot, a1, a2 = y[0], y[1], y[2]
        c = a1 / pk.v1
        return jnp.stack([-pk.ka * depot,
                          pk.f * pk.ka * depot - (k10 + k12) * a1 + k21 * a2 - pk.vmax * c / (pk.km + c),
                          k12 * a1 - k21 * a2])

    def step(y: jax.Array, dose: tuple[jax.Array, jax.Array]) -> tuple[jax.Array, jax.Array]:
        y = y + jnp.stack([dose[0], dose[1], 0.0])
        k1 = rhs(y)
        k2 = rhs(y + 0.5 * h * k1)
        k3 = rhs(y + 0.5 * h * k2)
        k4 = rhs(y + h * k3)
        end = y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        return end, jnp.stack([y[1], end[1]]) / pk.v1

    _, c = jax.lax.scan(step, jnp.zeros(3), (sc_in, iv_in))  # c[i] = (after doses at i, end of step i)
    pos = t * steps_per_day
    i = jnp.clip(jnp.floor(pos).astype(int), 0, n)
    frac = pos - i
    return c[i, 0] + frac * (c[i, 1] - c[i, 0])


def nanomolar(pk: DrugPK, mg_per_l: ArrayLike) -> ArrayLike:
    """mg/L -> nM for the drug's molar mass."""
    return mg_to_pmol(mg_per_l, pk.mw_kda) * 1e-3
