"""Solve a model together with its forward sensitivity equations (as CVODES does for Stan).

For parameters θ the sensitivities S = ∂y/∂θ obey dS/dt = J_y S + ∂f/∂θ with S(0) = ∂y0/∂θ,
so one adaptive solve of the augmented system (n states + n·k sensitivities) gives the
observables and their Jacobian. The right-hand side of the augmented system is one evaluation
of the vector field plus its k Jacobian-vector products (``vmap`` of ``jax.jvp``), so the
Jacobian costs a few values, where differentiating the solver itself (``jax.jacfwd`` through
diffrax) repeats the solver's per-step bookkeeping for every tangent.

Sensitivities are taken with respect to log θ (θ·∂y/∂θ, order one for every parameter) and the
step control bounds the error of the states and of the sensitivities separately (the larger of
the two RMS norms), so the states are as accurate as in :func:`~remodel_fit.simulate.simulate`
and the Jacobian is accurate to the same tolerances. It is the derivative of the exact
solution, not of the discrete one: the two agree to solver tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import diffrax
import jax
import jax.extend as jex
import jax.numpy as jnp

from .model.spec import Model, Params
from .simulate import SOLVERS, SolverConfig, check_call, state_scale, step_controller


def _rms(x: jnp.ndarray) -> jnp.ndarray:
    return jnp.sqrt(jnp.mean(jnp.square(x)))


def _states_and_sensitivities_norm(n: int):
    """Step-control norm of the augmented state: the larger RMS of the errors of the ``n`` states
    and of the sensitivities."""
    return lambda error: jnp.maximum(_rms(error[:n]), _rms(error[n:]))


def _depends_on_input(fn, x) -> dict[str, bool]:
    """For each entry of the dict ``fn(x)``: whether it depends on ``x`` (a walk over the jaxpr's
    data flow; an equation with any dependent input makes all of its outputs dependent)."""
    closed, shape = jax.make_jaxpr(fn, return_shape=True)(x)
    dependent = set(closed.jaxpr.invars)

    def depends(v) -> bool:
        return not isinstance(v, jex.core.Literal) and v in dependent

    for eqn in closed.jaxpr.eqns:
        if any(depends(v) for v in eqn.invars):
            dependent.update(eqn.outvars)
    flags = [depends(v) for v in closed.jaxpr.outvars]
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(shape), flags)


def simulate_with_sensitivities(
    model: Model,
    params: Params,
    names: Sequence[str],
    times: jnp.ndarray,
    inputs: Mapping | None = None,
    observables: Sequence[str] | None = None,
    *,
    config: SolverConfig = SolverConfig(),
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """Observables at ``times`` and their Jacobian with respect to the parameters ``names``.

    Returns ``(table, jacobian, ok, steps)``: ``table`` (n_observables, n_times) in the order
    of ``observables`` (default: all of the model's), ``jacobian`` (n_observables, n_times, k)
    with ∂table/∂θ_j (natural scale), ``ok`` (bool) and the number of accepted steps.
    Differentiating the result is not supported: it is meant to be the rule of a custom VJP.
    """
    inputs = dict(inputs or {})
    check_call(model, params, inputs)
    names = tuple(names)
    observables = tuple(observables or model.observable_names)
    times = jnp.asarray(times, dtype=jnp.float64)
    theta = jnp.stack([jnp.asarray(params[n], dtype=jnp.float64) for n in names])
    log_step = jnp.where(theta != 0, jnp.abs(theta), 1.0)  # tangents along log θ

    def prepared(th):
        return model.prepared({**params, **{n: th[i] for i, n in enumerate(names)}}, inputs)

    def tangents(fn, *primals):
        """fn(*primals) and its derivatives along log θ_j, the latter stacked on axis 0."""

        def along(directions):
            out, linear = jax.linearize(fn, *primals)
            rows = [linear(*jax.tree_util.tree_map(lambda d: d[j], directions)) for j in range(len(names))]
            return out, jax.tree_util.tree_map(lambda *r: jnp.stack(r), *rows)

        return along

    # Only the prepared parameters that depend on θ carry tangents: the rest stay constants, so
    # the vector field's arithmetic on them is not repeated for every tangent.
    full = prepared(theta)
    moving = sorted(k for k, dep in _depends_on_input(prepared, theta).items() if dep)
    fixed = {k: v for k, v in full.items() if k not in moving}
    p, dp = jax.vmap(
        lambda e: jax.jvp(lambda th: {k: prepared(th)[k] for k in moving}, (theta,), (e * log_step,)), out_axes=(None, 0)
    )(jnp.eye(len(names)))

    def with_fixed(q):
        return {**fixed, **q}

    y0, dy0 = tangents(lambda q: model.initial_state(with_fixed(q), inputs), p)((dp,))
    root_ok = jnp.all(jnp.isfinite(y0)) & jnp.all(jnp.isfinite(dy0))
    y0 = jnp.where(jnp.isfinite(y0), y0, 1.0)
    dy0 = jnp.where(jnp.isfinite(dy0), dy0, 0.0)
    scale = state_scale(model, y0)

    n, k = y0.shape[0], len(names)

    def rhs(t, flat, args):
        z, sz = flat[:n], flat[n:].reshape(k, n)  # states and log-sensitivities, divided by scale
        field = lambda y, q: model.vector_field(t, y, with_fixed(q), inputs)  # noqa: E731
        f, df = tangents(field, z * scale, p)((sz * scale, dp))
        return jnp.concatenate([f / scale, (df / scale).reshape(-1)])

    t1 = jnp.maximum(times[-1], 1e-9)
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(rhs),
        SOLVERS[config.solver](),
        t0=0.0,
        t1=t1,
        dt0=config.dt0,
        y0=jnp.concatenate([y0 / scale, (dy0 / scale).reshape(-1)]),
        saveat=diffrax.SaveAt(ts=times),
        stepsize_controller=step_controller(config, inputs, 0.0, t1, norm=_states_and_sensitivities_norm(n)),
        max_steps=config.max_steps,
        adjoint=diffrax.ForwardMode(),
        throw=False,
    )
    states, sens = sol.ys[:, :n] * scale, sol.ys[:, n:].reshape(-1, k, n) * scale  # (T, n), (T, k, n)

    def observe_table(y, y_init, q):
        out = jax.vmap(lambda t, yt: model.observe(t, yt, y_init, with_fixed(q), inputs))(times, y)
        return jnp.stack([out[o] for o in observables])

    table, dtable = tangents(observe_table, states, y0, p)((jnp.moveaxis(sens, 1, 0), dy0, dp))
    jacobian = jnp.moveaxis(dtable, 0, -1) / log_step
    ok = root_ok & (sol.result == diffrax.RESULTS.successful)
    return table, jacobian, ok, sol.stats["num_steps"]
