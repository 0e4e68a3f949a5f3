"""The check of an imported problem: log-likelihood at the nominal parameters against a
reference, simulations against the problem's ``simulatedData_*.tsv``, and timings."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from .likelihood import full_theta, log_density_of_simulation, make_value_and_grad, to_scale
from .problem import PetabProblem, load_problem
from .references import reference_llh
from .simulate import SolverOptions, make_simulator


def simulated_data_deviation(problem: PetabProblem, y: np.ndarray) -> tuple[float | None, str]:
    """Max relative deviation of the simulation ``y`` (one value a measurement row) from
    ``simulatedData_<name>.tsv`` (None with a reason when absent or not row-aligned)."""
    path = problem.yaml_path.parent / f"simulatedData_{problem.name}.tsv"
    if not path.is_file():
        return None, "no simulatedData file"
    ref = pd.read_csv(path, sep="\t")
    m = problem.measurements
    if len(ref) != len(m.values) or not np.allclose(ref["time"].astype(float).to_numpy(), m.times):
        return None, f"{path.name} is not row-aligned with the measurement table"
    rs = ref["simulation"].astype(float).to_numpy()
    return float(np.max(np.abs(y - rs) / np.maximum(np.abs(rs), 1e-12))), path.name


def _timed(fn, *args):
    t = time.perf_counter()
    out = jax.block_until_ready(fn(*args))
    return out, time.perf_counter() - t


def check_problem(yaml_path: Path, opts: SolverOptions | None = None, reference_file: Path | None = None,
                  gradient: bool = False) -> dict:
    """Import ``yaml_path`` and report llh at the nominal parameters, the reference and timings."""
    opts = opts or SolverOptions()
    t0 = time.perf_counter()
    problem = load_problem(yaml_path)
    out = {"problem": problem.name, "seconds_import": round(time.perf_counter() - t0, 3),
           "n_measurements": problem.n_measurements, "n_estimated": len(problem.estimated_ids),
           "n_states": len(problem.ode.states), "features": problem.features}
    simulate, density = make_simulator(problem, opts), log_density_of_simulation(problem)

    @jax.jit
    def value_and_simulation(theta):
        y, s, ok = simulate(full_theta(problem, theta))
        return density(y, s, ok), y

    theta = jnp.asarray(problem.nominal_estimated)
    (value, y), out["seconds_first_value"] = _timed(value_and_simulation, theta)
    _, out["seconds_value"] = _timed(value_and_simulation, theta)
    out["log_likelihood"] = float(value)
    ref, source = reference_llh(problem.yaml_path, problem.name, reference_file)
    out.update(reference_log_likelihood=ref, reference_source=source,
               difference=None if ref is None else float(value) - ref)
    out["max_rel_dev_simulated"], out["simulated_note"] = simulated_data_deviation(problem, np.asarray(y))
    if gradient:
        vg = make_value_and_grad(problem, opts)
        x = jnp.asarray(to_scale(problem, problem.nominal_estimated))
        _, out["seconds_first_value_and_grad"] = _timed(vg, x)
        (_, g), out["seconds_value_and_grad"] = _timed(vg, x)
        out["gradient_norm"] = float(np.linalg.norm(np.asarray(g)))
    return out
