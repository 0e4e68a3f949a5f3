"""The shared problem of the NUTS-vs-Stan speed benchmark: data, priors, free parameters.

One inflamed group's mean trajectory under the ``bone_inflammation`` model: TNF-alpha
23 pg/mL and IL-6 30 pg/mL from day 0 (IL-1 at its reference), starting from the healthy
steady state. Observed at 7 visits over 3 years: ``ctx_rel`` and ``p1np_rel`` at every
visit, ``bmd_ls_rel`` from month 6 on (20 points), with log-normal noise of known sd
(CV 10% markers, 1.5% BMD), generated once from TRUE values with a fixed seed.

Free: six parameters on the log scale, ``log_theta ~ Normal(log default, PRIOR_SD)``.
IL-6's effect strengths are left fixed: with constant levels an arm's TNF and IL-6
factors enter only through their product, so ``tnf_e_rankl`` and ``il6_e_rankl`` (say)
would be a non-identifiable pair (DESIGN 3.1 and 4). None of the free parameters enters
the healthy steady state.

The NumPyro side solves the package model itself (``remodel_fit.solve.simulate``: seven
states, of which the denosumab state stays at 0 and the total-hip BMD state is solved
but not observed); the Stan program (``stan/bone_inflammation.stan``) solves the same
equations for the five states that matter (OBp, OBa, OCa, formation, lumbar-spine BMD).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist

from remodel_fit import SolverConfig, get_model, simulate
from remodel_fit.bone import cytokines
from remodel_fit.solve.forward import forward_subject_solver
from remodel_fit.model.inputs import level
from remodel_fit.model.pivonka import PARAMETERS as CORE_PARAMETERS
from remodel_fit.seeds import stage_seed

MODEL = get_model("bone_inflammation")
MASTER_SEED = 20240604
# Order fixed: the Stan program maps log_theta[1..6] to these by position.
FREE = ("tnf_e_rankl", "tnf_e_opg", "tnf_e_ob", "k_form", "kout_ls", "gr_ls")
TRUE = {"tnf_e_rankl": 1.3, "tnf_e_opg": 0.4, "tnf_e_ob": 0.65, "k_form": 0.024, "kout_ls": 0.012, "gr_ls": 0.16}
PRIOR_SD = 0.5
LEVELS = {"tnf": 23.0, "il6": 30.0}  # pg/mL from day 0
VISITS = (91.0, 182.0, 365.0, 547.0, 730.0, 912.0, 1095.0)
OBSERVED = {"ctx_rel": VISITS, "p1np_rel": VISITS, "bmd_ls_rel": VISITS[1:]}
CV = {"ctx_rel": 0.10, "p1np_rel": 0.10, "bmd_ls_rel": 0.015}
SOLVER = SolverConfig(solver="tsit5", rtol=1e-6, atol=1e-8, max_steps=16384)
FAILED_SOLVE_PENALTY = -1e8
STAN_FILE = Path(__file__).parent / "stan" / "bone_inflammation.stan"


def inputs() -> dict:
    return {c: level([0.0], [v]) for c, v in LEVELS.items()}


def prior_mean() -> np.ndarray:
    defaults = MODEL.defaults()
    return np.log([float(defaults[n]) for n in FREE])


def noise_sd(observable: str) -> float:
    """Log-scale sd of a log-normal with coefficient of variation CV."""
    return math.sqrt(math.log1p(CV[observable] ** 2))


def make_data() -> dict:
    """Observations (long format) drawn from the model at TRUE with the fixed seed."""
    times = np.asarray(VISITS)
    sol = simulate(MODEL, MODEL.params(TRUE), times, inputs(), config=SolverConfig(rtol=1e-10, atol=1e-12))
    assert bool(sol.ok), "data-generating solve failed"
    rng = np.random.default_rng(stage_seed(MASTER_SEED, "bench_nuts_vs_stan_data"))
    obs, tidx, values, sd = [], [], [], []
    for k, (name, visits) in enumerate(OBSERVED.items()):
        for t in visits:
            i = VISITS.index(t)
            s = noise_sd(name)
            obs.append(k)
            tidx.append(i)
            sd.append(s)
            values.append(float(sol.observables[name][i]) * math.exp(s * rng.standard_normal()))
    return {
        "times": times, "obs_index": np.asarray(obs), "time_index": np.asarray(tidx),
        "values": np.asarray(values), "sd": np.asarray(sd), "observables": tuple(OBSERVED),
    }


def stan_data(data: dict, use_bdf: bool) -> dict:
    """The Stan program's data block (indices 1-based)."""
    p = MODEL.defaults()
    cyt = cytokines.CYTOKINES
    level_now = [LEVELS.get(c, float(p[f"{c}_ref"])) for c in cyt]
    return {
        "N": len(data["values"]), "T": len(data["times"]), "ts": data["times"].tolist(),
        "obs": (data["obs_index"] + 1).tolist(), "tix": (data["time_index"] + 1).tolist(),
        "y": data["values"].tolist(), "sigma": data["sd"].tolist(),
        "core": [float(p[q.name]) for q in CORE_PARAMETERS],
        "E": [[float(p[f"{c}_e_{a}"]) for a in cytokines.ARMS] for c in cyt],
        "ec50": [float(p[f"{c}_ec50"]) for c in cyt], "ref": [float(p[f"{c}_ref"]) for c in cyt],
        "level": level_now, "gf_ls": float(p["gf_ls"]),
        "mu": prior_mean().tolist(), "prior_sd": PRIOR_SD,
        "rtol": SOLVER.rtol, "atol": SOLVER.atol, "max_steps": SOLVER.max_steps, "use_bdf": int(use_bdf),
    }


def numpyro_model(data: dict, gradient: str = "forward", engine: str = "diffrax"):
    """NumPyro model ``m(y)`` of the problem; ``gradient`` 'forward' (custom VJP) or 'reverse';
    ``engine`` 'diffrax' or 'fused' (:mod:`remodel_fit.solve.fused`, forward gradient only)."""
    times = jnp.asarray(data["times"])
    obs_index, time_index = jnp.asarray(data["obs_index"]), jnp.asarray(data["time_index"])
    sd, mu = jnp.asarray(data["sd"]), jnp.asarray(prior_mean())
    base = MODEL.params()
    solver = dataclasses.replace(SOLVER, engine=engine)
    forward = forward_subject_solver(MODEL, base, FREE, data["observables"], solver)

    def predict(theta):
        if gradient == "forward":
            table, ok = forward(theta, inputs(), times)
            return table, ok > 0.5
        sol = simulate(MODEL, {**base, **dict(zip(FREE, theta))}, times, inputs(), config=solver)
        return jnp.stack([sol.observables[o] for o in data["observables"]]), sol.ok

    def model(y=None):
        log_theta = numpyro.sample("log_theta", dist.Normal(mu, PRIOR_SD).to_event(1))
        table, ok = predict(jnp.exp(log_theta))
        pred = table[obs_index, time_index]
        good = ok & jnp.all(jnp.isfinite(pred) & (pred > 0))
        numpyro.factor("failed_solve", jnp.where(good, 0.0, FAILED_SOLVE_PENALTY))
        numpyro.sample("y", dist.LogNormal(jnp.log(jnp.where(good, pred, 1.0)), sd).to_event(1), obs=y)

    return model


REFERENCE_SOLVER = SolverConfig(solver="dopri8", rtol=1e-12, atol=1e-14, max_steps=100_000)


def solver_error(data: dict, engine: str, log_thetas) -> float:
    """Largest relative error of the observed predictions (every observable at every visit) of
    the benchmark's solver with ``engine``, against Dopri8 at rtol 1e-12, over the points
    ``log_thetas`` (goal 4 of the speed issue: nothing gets less accurate)."""
    times = jnp.asarray(data["times"])
    solver = dataclasses.replace(SOLVER, engine=engine)

    def table(theta, config):
        sol = simulate(MODEL, {**MODEL.params(), **dict(zip(FREE, theta))}, times, inputs(), config=config)
        return jnp.stack([sol.observables[o] for o in data["observables"]])

    worst = 0.0
    for log_theta in log_thetas:
        theta = jnp.exp(jnp.asarray(log_theta))
        ref = table(theta, REFERENCE_SOLVER)
        worst = max(worst, float(jnp.max(jnp.abs(table(theta, solver) / ref - 1.0))))
    return worst
