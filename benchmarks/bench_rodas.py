"""Rodas step cost by linear algebra, and steps per solve by solver (the GSA problem of bench_gsa).

1. Cost of one Rodas4P step per row under ``vmap`` (1,024 rows of the 12-input Sobol' design,
   one device), with the step's W factorised and solved three ways: LAPACK (``getrf`` +
   triangular solves, ``jax.scipy.linalg``), LAPACK ``getrf`` + unrolled substitutions, and
   the package's unrolled LU without pivoting (:func:`remodel_fit.solve.rodas.factorise`).
2. Accepted + rejected steps of a 10-year solve (rtol 1e-6) per solver over 2,048 rows, and the
   lockstep overhead of a vmapped chunk (its slowest row sets its cost).

    .venv/bin/python benchmarks/bench_rodas.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import diffrax
import remodel_fit

remodel_fit.configure()  # float64 and the JAX switches, before any JAX work

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np

from remodel_fit import SolverConfig, get_model, simulate
from remodel_fit.solve import rodas
from remodel_fit.model.inputs import LevelSchedule
from remodel_fit.sensitivity.sobol import sample

sys.path.insert(0, str(Path(__file__).parent))
from bench_gsa import BOUNDS, NAMES, TIMES  # noqa: E402
from common import command_line, header, median_time, publish  # noqa: E402

MODEL = get_model("bone_inflammation")
FACTORISE, SOLVE = rodas.factorise, rodas.solve  # the package's, before any patching
DEFAULTS = MODEL.defaults()


def setup(x):
    p = {**DEFAULTS, **{n: x[i] for i, n in enumerate(NAMES) if not n.endswith("_level")}}
    inputs = {n[: -len("_level")]: LevelSchedule(jnp.zeros(1), x[i][None]) for i, n in enumerate(NAMES) if n.endswith("_level")}
    return p, inputs


def step_cost(factorise, solve, prepared, inputs, y0, repeats: int = 100) -> float:
    """Median seconds per row of one Rodas4P step, with the given linear algebra patched in."""
    saved = rodas.factorise, rodas.solve
    rodas.factorise, rodas.solve = factorise, solve
    try:
        def one(p, i, y):
            term = diffrax.ODETerm(lambda t, z, a: MODEL.vector_field(t, z, p, i))
            return rodas.Rodas4P().step(term, 100.0, 110.0, y, None, None, False)[0]

        loop = jax.jit(lambda p, i, y: jax.lax.fori_loop(0, repeats, lambda _, z: jax.vmap(one)(p, i, z) * 0 + z, y))
        loop(prepared, inputs, y0).block_until_ready()  # traced (and compiled) while patched
    finally:
        rodas.factorise, rodas.solve = saved
    return median_time(lambda: loop(prepared, inputs, y0), repeats=7, warmup=0) / repeats / y0.shape[0]


def main() -> None:
    problem = {"names": NAMES, "bounds": [BOUNDS[n] for n in NAMES]}
    X = jnp.asarray(sample(problem, 256, seed=1, second_order=True)[:2048])
    lines = []

    def prepare(x):
        p, inputs = setup(x)
        prepared = MODEL.prepared(p, inputs)
        return prepared, inputs, MODEL.initial_state(prepared, inputs)

    prepared, inputs, y0 = jax.jit(jax.vmap(prepare))(X[:1024])
    variants = {
        "LAPACK getrf + triangular solves": (jsl.lu_factor, jsl.lu_solve),
        "LAPACK getrf + unrolled substitutions": (
            lambda w: jax.lax.linalg.lu(w)[::2],
            lambda f, b: SOLVE([[f[0][i, j] for j in range(f[0].shape[0])] for i in range(f[0].shape[0])], b[f[1]]),
        ),
        "unrolled LU without pivoting (package)": (FACTORISE, SOLVE),
    }
    lines.append("One Rodas4P step, per row (1,024 rows under vmap, one device; median of 7 x 100 steps):")
    for name, (factorise, solve) in variants.items():
        lines.append(f"- {name}: {step_cost(factorise, solve, prepared, inputs, y0) * 1e6:.2f} us")
    lines.append("")
    lines.append("Steps per 10-year solve (rtol 1e-6, atol 1e-8), 2,048 rows of the Sobol' design:")
    for name in ("tsit5", "kvaerno4", "rodas4", "rodas4p"):
        config = SolverConfig(name, adjoint="forward")

        def steps(x, config=config):
            p, inputs = setup(x)
            return simulate(MODEL, p, jnp.asarray(TIMES), inputs, config=config).steps

        s = np.asarray(jax.jit(jax.vmap(steps))(X))
        lockstep = (s.reshape(-1, 256).max(1) * 256).sum() / s.sum()
        lines.append(f"- {name}: mean {s.mean():.0f}, median {np.median(s):.0f}, max {s.max()}; "
                     f"a chunk of 256 costs {lockstep:.2f}x its rows' steps (lockstep)")
    head = ["## Rodas step cost and steps per solve (benchmarks/bench_rodas.py)", "", header(command_line())]
    publish("rodas.md", "\n".join(head + lines) + "\n")


if __name__ == "__main__":
    main()
