"""A tiny non-bone model: logistic growth with a given initial state.

Shows that the interface is general (no steady state: the initial state is a
parameter, so it can be sampled) and has a closed-form solution for tests:
N(t) = K / (1 + (K / N0 - 1) exp(-r t)).
"""

from __future__ import annotations

import jax.numpy as jnp

from .base import Model, Observable, Parameter

def _vector_field(t, y, p, inputs):
    return p["r"] * y * (1.0 - y / p["K"])


def _initial_state(p, inputs):
    return jnp.reshape(p["N0"], (1,))


def _observe(t, y, y0, p, inputs):
    return {"N": y[0]}


LOGISTIC = Model(
    name="logistic",
    description="Logistic growth dN/dt = r N (1 - N/K) from N(0) = N0 (a non-bone test model)",
    states=("N",),
    state_units=("1",),
    parameters=(
        Parameter("r", 0.1, "1/d", "growth rate", "Verhulst 1838"),
        Parameter("K", 100.0, "1", "carrying capacity", "Verhulst 1838"),
        Parameter("N0", 5.0, "1", "initial population (the initial state is a parameter)", "given"),
    ),
    vector_field=_vector_field,
    initial_state=_initial_state,
    observe=_observe,
    observables=(Observable("N", "1", "population size"),),
    reference="Verhulst P.-F. (1838) Corresp. Math. Phys. 10:113",
)


def logistic_exact(t, r, K, N0):
    """Closed-form solution of the logistic model."""
    return K / (1.0 + (K / N0 - 1.0) * jnp.exp(-r * t))
