"""One experiment of an imported PEtab problem as a remodel-fit :class:`Model`.

The model's parameters are the parameter-table ids (defaults: nominal values, bounds from the
table) plus the SBML parameters the table does not set (fixed at their SBML or condition value).
Condition overrides are folded in; with a pre-equilibration condition, ``initial_state`` is the
steady state under that condition (with the simulation condition's species overrides applied).
Observables whose placeholders take one value over the experiment's rows are included; the
others are left out with a warning (their per-row values fit no ``observe`` signature).
"""

from __future__ import annotations

import warnings

import jax.numpy as jnp
import numpy as np

from ..errors import PetabError
from ..model.base import Model, Observable, Parameter
from .problem import PetabProblem
from .simulate import SolverOptions, make_steady_state


def _parameters(problem: PetabProblem, k_names: list[str], k_mask: np.ndarray, k_const: np.ndarray) -> tuple:
    t = problem.parameters
    params = [Parameter(pid, float(t.nominal[i]), "", f"PEtab parameter ({t.scales[i]} scale)", source=str(t.ids[i]),
                        lower=float(t.lower[i]), upper=float(t.upper[i]), positive=bool(t.lower[i] > 0), status="published")
              for i, pid in enumerate(t.ids)]
    known = set(t.ids)
    fixed = [Parameter(n, float(c), "", "SBML value (fixed in PEtab)", source="SBML", lower=-np.inf, positive=False,
                       status="published")
             for n, m, c in zip(k_names, k_mask, k_const) if not m and n not in known]
    return tuple(params + fixed)


def _constant_placeholders(problem: PetabProblem, experiment: int, oid: str) -> tuple | None:
    m = problem.measurements
    rows = m.rows_by_observable.get(oid, np.zeros(0, int))
    rows = rows[m.row_experiment[rows] == experiment]
    if not len(rows):
        return None
    out = []
    for arrays in (m.observable_parameters, m.noise_parameters):
        cells = {tuple(map(tuple, (a[r] for a in arrays))) for r in rows}
        if len(cells) != 1:
            return None
        out.append(tuple(np.asarray(a[rows[0]]) for a in arrays))
    return tuple(out)


def _theta_of(problem: PetabProblem, p) -> jnp.ndarray:
    return jnp.stack([jnp.asarray(p[i], dtype=jnp.float64) for i in problem.parameters.ids])


def _observe_fn(problem: PetabProblem, experiment: int, kvec):
    used = {}
    for oid in problem.observables:
        cells = _constant_placeholders(problem, experiment, oid)
        if cells is not None:
            used[oid] = cells
    left = sorted(set(problem.observables) - set(used))
    if left:
        warnings.warn(f"{problem.yaml_path}: observables {left} are not in the Model of experiment {experiment} "
                      "(no rows there, or their placeholders vary by row)", RuntimeWarning, stacklevel=3)

    def observe(t, y, y0, p, inputs):
        theta, k = _theta_of(problem, p), kvec(p)
        out = {}
        for oid, ((oi, ox, oc), _) in used.items():
            o = problem.observables[oid]
            q = jnp.where(oi, theta[ox], oc)[:o.n_observable_parameters]
            out[oid] = jnp.asarray(o.fn(t, y, k, theta, q), dtype=jnp.float64)
        return out

    return observe, tuple(Observable(o, "", problem.observables[o].formula,
                                     positive=problem.observables[o].transformation != "lin") for o in used)


def to_model(problem: PetabProblem, experiment: int = 0, opts: SolverOptions | None = None) -> Model:
    """The Model of experiment ``experiment`` (an index into ``problem.measurements.experiments``)."""
    m = problem.measurements
    if not 0 <= experiment < len(m.experiments):
        raise PetabError(f"{problem.yaml_path}: experiment {experiment} out of range (0..{len(m.experiments) - 1})")
    sim = [a[experiment] for a in problem.simulation_conditions]
    names = list(problem.ode.parameters)
    index_of = {i: pid for i, pid in enumerate(problem.parameters.ids)}
    c = problem.compiled

    def kvec(p):
        return jnp.stack([p[index_of[int(sim[1][j])]] if sim[0][j] else p[n] for j, n in enumerate(names)])

    pre_id = m.experiments[experiment][0]
    steady = make_steady_state(problem, opts or SolverOptions()) if pre_id is not None else None

    def initial_state(p, inputs):
        theta, k = _theta_of(problem, p), kvec(p)
        xo = tuple(jnp.asarray(a) for a in sim[3:])
        y0 = c.initial_state(k)
        if steady is not None:
            pre = [jnp.asarray(a[m.preequilibration_ids.index(pre_id)]) for a in problem.preequilibration_conditions]
            y0, _ = steady(theta, jnp.where(pre[0], theta[pre[1]], pre[2]), tuple(pre[3:]))
        return jnp.where(xo[0], jnp.where(xo[1], theta[xo[2]], xo[3]), y0)

    observe, observables = _observe_fn(problem, experiment, kvec)
    pre, cond = m.experiments[experiment]
    return Model(
        name=f"{problem.name}:{cond}" + (f" (pre-equilibrated in {pre})" if pre else ""),
        description=f"PEtab problem {problem.yaml_path.name}, simulation condition {cond}",
        states=tuple(problem.ode.states), parameters=_parameters(problem, names, sim[0], sim[2]),
        vector_field=lambda t, y, p, inputs: c.vector_field(t, y, kvec(p)),
        initial_state=initial_state, observe=observe, observables=observables, reference=str(problem.yaml_path))
