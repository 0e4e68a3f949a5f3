"""A user model outside the package: Lotka–Volterra predator–prey, written as a ``remodel_fit.Model`` value.

A config names it as ``model: examples/user_model.py:LOTKA_VOLTERRA`` (examples/user_model.yaml fits
it with ``remodel-fit fit`` or Snakemake)::

    du/dt = (alpha - beta v) u        prey u
    dv/dt = (-gamma + delta u) v      predators v

The initial state is two parameters (u0, v0), so the fit can sample it. Run this file to rewrite
``examples/user_model_data.csv``: one series simulated from :data:`TRUTH` with 10 % log-normal noise.
"""

from __future__ import annotations

import jax.numpy as jnp

from remodel_fit import Model
from remodel_fit.model.base import Observable, Parameter

SOURCE = "Lotka 1925; Volterra 1926 (values: Carpenter 2018, Stan case study, hares and lynx per year)"


def _vector_field(t, y, p, inputs):
    u, v = y[0], y[1]
    return jnp.stack([(p["alpha"] - p["beta"] * v) * u, (-p["gamma"] + p["delta"] * u) * v])


def _initial_state(p, inputs):
    return jnp.stack([p["u0"], p["v0"]])


def _observe(t, y, y0, p, inputs):
    return {"prey": y[0], "predator": y[1]}


LOTKA_VOLTERRA = Model(
    name="lotka_volterra",
    description="Lotka-Volterra predator-prey (a user model from examples/user_model.py)",
    states=("u", "v"),
    state_units=("1", "1"),
    parameters=(
        Parameter("alpha", 0.55, "1/d", "prey growth rate", SOURCE),
        Parameter("beta", 0.028, "1/d", "predation rate per predator", SOURCE),
        Parameter("gamma", 0.80, "1/d", "predator death rate", SOURCE),
        Parameter("delta", 0.024, "1/d", "predator growth per prey", SOURCE),
        Parameter("u0", 33.0, "1", "initial prey", SOURCE),
        Parameter("v0", 6.0, "1", "initial predators", SOURCE),
    ),
    vector_field=_vector_field,
    initial_state=_initial_state,
    observe=_observe,
    observables=(Observable("prey", "1", "prey population"), Observable("predator", "1", "predator population")),
    reference=SOURCE,
)

TRUTH = {"alpha": 0.55, "beta": 0.028, "gamma": 0.80, "delta": 0.024, "u0": 33.0, "v0": 6.0}
NOISE_SD = 0.1
TIMES = tuple(float(t) for t in range(21))


def write_data(path: str = "examples/user_model_data.csv", seed: int = 3) -> None:
    """Simulate :data:`TRUTH` at :data:`TIMES` and write a measurement table with log-normal noise."""
    import numpy as np
    import pandas as pd

    import remodel_fit as rf

    rf.configure()
    sol = rf.simulate(LOTKA_VOLTERRA, LOTKA_VOLTERRA.params(TRUTH), jnp.asarray(TIMES))
    rng = np.random.default_rng(seed)
    rows = [{"subject": "pelts", "group": "hudson_bay", "time_days": t, "observable": obs, "unit": "1",
             "value": round(float(sol.observables[obs][i]) * float(np.exp(rng.normal(0.0, NOISE_SD))), 4)}
            for obs in ("prey", "predator") for i, t in enumerate(TIMES)]
    pd.DataFrame(rows).to_csv(path, index=False)


if __name__ == "__main__":
    write_data()
