"""A fused explicit Runge-Kutta integrator whose forward derivative is the sensitivity system.

Inside NUTS the cost of a leapfrog step is the forward-mode Jacobian of a few short solves;
through diffrax most of that cost is the solver's general machinery carrying batched tangents
(step-size control, event and save bookkeeping), not arithmetic (benchmarks/RESULTS.md).
This module is the lean alternative: one ``lax.while_loop`` whose body is the Runge-Kutta
step (any explicit tableau of diffrax's, Tsit5 by default), an integral controller on the
states' RMS error, steps clipped to the save times and to the input jump times.

Its derivative is a ``jax.custom_jvp``: the rule integrates the states and their tangents
together (the forward sensitivity equations ``dS/dt = J_y S + J_p dp``, stages by
``jax.jvp`` of the vector field). Symbolic-zero tangents are pruned, so arguments that do not
depend on the differentiated parameters cost nothing. ``jax.jacfwd`` of a solve batches the
tangents and runs one loop; reverse mode is not available (a while loop cannot be transposed):
wrap a ``jacfwd`` in a custom VJP, as :mod:`remodel_fit.solve.forward` does.

Step sizes control the states' error and, when the tangents are batched over the named axis
:data:`TANGENT_AXIS` (``jax.vmap(..., axis_name=TANGENT_AXIS)`` of a ``jvp``, as
:func:`jacfwd_shared` does), the largest error of any tangent too (CVODES' ``errconS``): one step
sequence shared by every lane, so the states stay unbatched; ``tangent_tolerance`` loosens the
tangents' tolerance to that multiple of the states'. Without the axis (plain ``jax.jvp`` or
``jax.jacfwd``) the states alone control the steps. Uncontrolled sensitivities can
go unstable where the states are accurate (benchmarks/RESULTS.md, "Sensitivity error control").

The Jacobian is that of the sensitivity equations integrated on the states' step
sequence, which differs from the derivative of the discrete solution by O(tolerance).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from .rodas import GAMMA, factorise, solve as lu_solve, stages as rodas_stages
from .rodas import Tableau as RosenbrockTableau

SAFETY, FACTOR_MIN, FACTOR_MAX = 0.9, 0.2, 10.0
MIN_STEP_RELATIVE = 1e-12
"""A step shorter than this times max(1, |t|) is a failed solve (the controller has collapsed)."""

VectorField = Callable[[jnp.ndarray, jnp.ndarray, Any], jnp.ndarray]
TANGENT_AXIS = "fused_tangents"
"""The vmap axis name under which tangent lanes share one error-controlled step sequence."""


def jacfwd_shared(f: Callable, has_aux: bool = False) -> Callable:
    """``jax.jacfwd(f, has_aux=has_aux)`` in the first argument (an array), with its tangent
    lanes on :data:`TANGENT_AXIS`: fused solves inside control the error of every tangent."""

    def jac(x, *args):
        def push(v):
            return jax.jvp(lambda x_: f(x_, *args), (x,), (v,), has_aux=has_aux)

        basis = jnp.eye(x.size, dtype=x.dtype).reshape((x.size,) + x.shape)
        out = jax.vmap(push, axis_name=TANGENT_AXIS, out_axes=(None, -1, None) if has_aux else (None, -1))(basis)
        return (out[1], out[2]) if has_aux else out[1]

    return jac


def _largest_over_tangents(norm: jnp.ndarray) -> jnp.ndarray | None:
    """The largest of ``norm`` over the lanes of :data:`TANGENT_AXIS`; None outside that axis."""
    try:
        return jax.lax.pmax(norm, TANGENT_AXIS)
    except NameError:
        return None


def erk_solve(
    rhs: VectorField,
    tableau,
    y0: jnp.ndarray,
    args: Any,
    ts: jnp.ndarray,
    jumps: jnp.ndarray,
    t0: jnp.ndarray,
    *,
    rtol: float,
    atol: float,
    max_steps: int,
    error_order: int,
    tangent_tolerance: float = 1.0,
) -> tuple[jnp.ndarray, jnp.ndarray]:
    """States at the sorted save times ``ts`` (``(len(ts), n)``) and ``[ok, steps]`` (float).

    ``rhs(t, y, args)`` is the vector field; ``jumps`` are times where it may be
    discontinuous (any order, values outside (t0, ts[-1]) ignored): steps end on them and
    the stage evaluated at a jump's end sees the left limit. Differentiable in ``y0`` and
    ``args`` by forward mode (see the module docstring); with the tangents on
    :data:`TANGENT_AXIS` their error is held to ``tangent_tolerance`` times ``rtol`` and ``atol``.
    """
    stepper = _Stepper(rhs, tableau, rtol, atol, max_steps, error_order, tangent_tolerance)
    return _solve_with(stepper, y0, args, ts, jumps, t0)


def rosenbrock_solve(
    rhs: VectorField,
    tableau: RosenbrockTableau,
    y0: jnp.ndarray,
    args: Any,
    ts: jnp.ndarray,
    jumps: jnp.ndarray,
    t0: jnp.ndarray,
    *,
    rtol: float,
    atol: float,
    max_steps: int,
    tangent_tolerance: float = 1.0,
) -> tuple[jnp.ndarray, jnp.ndarray]:
    """:func:`erk_solve` with a 6-stage Rodas method (:mod:`.rodas`): L-stable, for stiff fields.

    One Jacobian (``jax.jacfwd`` of the field) and one unrolled LU factorisation per step.
    The tangents are the exact derivative of each step taken with its step size held fixed,
    which is Rodas applied to the states and sensitivities together with the exact Jacobian
    of that joint system: the factorisation of the states is reused, and the Jacobian's own
    change along a tangent enters each stage as a second directional derivative of the field.
    """
    stepper = _RosenbrockStepper(rhs, tableau, rtol, atol, max_steps, tangent_tolerance)
    return _solve_with(stepper, y0, args, ts, jumps, t0)


def _solve_with(stepper, y0, args, ts, jumps, t0):
    """The loop of ``stepper`` with its forward-sensitivity ``custom_jvp``."""

    @jax.custom_jvp
    def solve(y0, args, ts, jumps, t0):
        ys, _, status = stepper.run(y0, None, args, None, ts, jumps, t0)
        return ys, status

    def solve_jvp(primals, tangents):
        y0, args, ts, jumps, t0 = primals
        y0_dot, args_dot = tangents[0], tangents[1]
        leaves, treedef = jax.tree_util.tree_flatten(args)
        dots = treedef.flatten_up_to(args_dot)
        moving = tuple(i for i, d in enumerate(dots) if not isinstance(d, SymbolicZero))
        if not moving and isinstance(y0_dot, SymbolicZero):
            ys, _, status = stepper.run(y0, None, args, None, ts, jumps, t0)
            return (ys, status), (jnp.zeros_like(ys), jnp.zeros_like(status))
        yd0 = jnp.zeros_like(y0) if isinstance(y0_dot, SymbolicZero) else y0_dot
        split = (leaves, treedef, moving, tuple(dots[i] for i in moving))
        ys, yds, status = stepper.run(y0, yd0, args, split, ts, jumps, t0)
        return (ys, status), (yds, jnp.zeros_like(status))

    solve.defjvp(solve_jvp, symbolic_zeros=True)
    return solve(y0, args, jnp.asarray(ts), jax.lax.stop_gradient(jnp.asarray(jumps)), jnp.asarray(t0, dtype=jnp.float64))


class _Stepper:
    """The loop: one explicit Runge-Kutta step per iteration, tangents optional."""

    reuses_stages = True
    """The step's first stage is the last one of the step before (FSAL), carried by the loop."""

    def __init__(self, rhs, tableau, rtol, atol, max_steps, error_order, tangent_tolerance=1.0):
        self.rhs, self.rtol, self.atol, self.max_steps = rhs, float(rtol), float(atol), int(max_steps)
        self.tangent_tolerance = float(tangent_tolerance)
        self.c = [0.0] + [float(x) for x in np.asarray(tableau.c)]
        self.a = [[float(x) for x in np.asarray(row)] for row in tableau.a_lower]
        self.b_sol = [float(x) for x in np.asarray(tableau.b_sol)]
        self.b_err = [float(x) for x in np.asarray(tableau.b_error)]
        self.fsal, self.ssal = bool(tableau.fsal), bool(tableau.ssal)
        self.exponent = 1.0 / float(error_order)

    # ------------------------------------------------------------ evaluation
    def _evaluator(self, args, split):
        """``f(t, y, yd) -> (k, kd)``: the vector field and, with tangents, its JVP."""
        if split is None:
            return lambda t, y, yd: (self.rhs(t, y, args), None)
        _, _, _, dots = split
        values = _moving_values(split)
        return lambda t, y, yd: jax.jvp(lambda y_, v_: self.rhs(t, y_, _with_moving(split, v_)), (y, values), (yd, dots))

    def _norm(self, err, y, y_new, loosen=1.0):
        scale = loosen * (self.atol + self.rtol * jnp.maximum(jnp.abs(y), jnp.abs(y_new)))
        return jnp.sqrt(jnp.mean(jnp.square(err / scale)))

    def _initial_step(self, f, t0, y0, k0, t1):
        """Hairer, Norsett & Wanner's starting step (Solving ODEs I, II.4) from the states alone:
        ``f(t, y)`` is the vector field without tangents (no step size depends on them)."""
        scale = self.atol + self.rtol * jnp.abs(y0)
        d0 = jnp.sqrt(jnp.mean(jnp.square(y0 / scale)))
        d1 = jnp.sqrt(jnp.mean(jnp.square(k0 / scale)))
        h0 = jnp.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / d1)
        k1 = f(t0 + h0, y0 + h0 * k0)
        d2 = jnp.sqrt(jnp.mean(jnp.square((k1 - k0) / scale))) / h0
        big = jnp.maximum(d1, d2)
        h1 = jnp.where(big <= 1e-15, jnp.maximum(1e-6, h0 * 1e-3), (0.01 / big) ** self.exponent)
        return jnp.minimum(jnp.minimum(100.0 * h0, h1), t1 - t0)

    # ------------------------------------------------------------------ step
    def _step(self, f, args, split, t, y, yd, h, k1, kd1, t_last):
        """One attempted step: new states, tangents, error estimates (states, tangents) and last stage."""
        del args, split
        tangents = yd is not None
        ks, kds = [k1], [kd1]
        y_stage, yd_stage = y, yd
        for i, row in enumerate(self.a, start=1):
            y_stage = y + h * _combine(row, ks)
            yd_stage = yd + h * _combine(row, kds) if tangents else None
            ti = jnp.minimum(t + self.c[i] * h, t_last)
            k, kd = f(ti, y_stage, yd_stage)
            ks.append(k)
            kds.append(kd)
        if self.ssal:  # the last stage is evaluated at the new solution
            y_new, yd_new = y_stage, yd_stage
        else:
            y_new = y + h * _combine(self.b_sol, ks)
            yd_new = yd + h * _combine(self.b_sol, kds) if tangents else None
        err = h * _combine(self.b_err, ks)
        err_d = h * _combine(self.b_err, kds) if tangents else None
        return y_new, yd_new, (err, err_d), ks[-1], kds[-1]

    # ------------------------------------------------------------------- run
    def run(self, y0, yd0, args, split, ts, jumps, t0):
        """(ys, yds or None, [ok, steps]) over the save times."""
        f = self._evaluator(args, split)
        tangents = yd0 is not None
        ts = ts.astype(y0.dtype)
        t1 = jnp.maximum(ts[-1], t0 + 1e-9)
        jumps = jnp.where((jumps > t0) & (jumps < t1), jumps, jnp.inf)
        at_start = (ts <= t0)[:, None]
        out = jnp.where(at_start, y0, jnp.nan)
        outd = jnp.where(at_start, yd0, 0.0) if tangents else None
        k0, kd0 = f(t0, y0, yd0)
        h0 = self._initial_step(lambda t, y: self.rhs(t, y, args), t0, y0, k0, t1)

        def cond(carry):
            t, _, _, _, _, _, _, _, _, steps, failed = carry
            return (t < t1) & (steps < self.max_steps) & ~failed

        def body(carry):
            t, y, yd, h, k1, kd1, fresh, out, outd, steps, failed = carry
            if self.reuses_stages:
                k1, kd1 = jax.lax.cond(fresh, lambda: (k1, kd1), lambda: f(t, y, yd))
            next_save = jnp.min(jnp.where(ts > t, ts, jnp.inf))
            next_jump = jnp.min(jnp.where(jumps > t, jumps, jnp.inf))
            t_end = jnp.minimum(jnp.minimum(t + h, next_save), jnp.minimum(next_jump, t1))
            to_jump = t_end == next_jump
            t_last = jnp.where(to_jump, jnp.nextafter(t_end, -jnp.inf), t_end)
            h_used = t_end - t
            y_new, yd_new, (err, err_d), k_last, kd_last = self._step(f, args, split, t, y, yd, h_used, k1, kd1, t_last)
            norm = self._norm(err, y, y_new)
            if tangents:
                norm_d = _largest_over_tangents(self._norm(err_d, yd, yd_new, self.tangent_tolerance))
                norm = norm if norm_d is None else jnp.maximum(norm, norm_d)
            finite = jnp.isfinite(norm) & jnp.all(jnp.isfinite(y_new))
            accept = finite & (norm <= 1.0)
            factor = jnp.where(norm > 0, SAFETY * norm ** (-self.exponent), FACTOR_MAX)
            factor = jnp.where(finite, jnp.clip(factor, FACTOR_MIN, FACTOR_MAX), FACTOR_MIN)
            h_next = jnp.where(accept & (h_used < h), jnp.maximum(h_used * factor, h), h_used * factor)
            too_small = h_next < MIN_STEP_RELATIVE * jnp.maximum(1.0, jnp.abs(t))
            hit = accept & (ts == t_end)[:, None]
            out = jnp.where(hit, y_new, out)
            keep = lambda new, old: jnp.where(accept, new, old)  # noqa: E731
            if tangents:
                outd = jnp.where(hit, yd_new, outd)
                yd = keep(yd_new, yd)
            if self.reuses_stages:
                k1 = keep(k_last, k1)
                kd1 = keep(kd_last, kd1) if tangents else kd1
            return (keep(t_end, t), keep(y_new, y), yd, h_next, k1, kd1,
                    (~accept | ~to_jump) & self.fsal, out, outd, steps + 1, too_small & ~accept)

        init = (t0, y0, yd0, h0, k0, kd0, jnp.asarray(True), out, outd, jnp.asarray(0), jnp.asarray(False))
        t, _, _, _, _, _, _, out, outd, steps, failed = jax.lax.while_loop(cond, body, init)
        ok = (t >= t1) & ~failed & jnp.all(jnp.isfinite(out))
        return out, outd, jnp.stack([ok.astype(y0.dtype), steps.astype(y0.dtype)])


class _RosenbrockStepper(_Stepper):
    """The same loop with a 6-stage Rodas step (Hairer & Wanner's transformed form)."""

    reuses_stages = False

    def __init__(self, rhs, tableau: RosenbrockTableau, rtol, atol, max_steps, tangent_tolerance=1.0):
        self.rhs, self.rtol, self.atol, self.max_steps = rhs, float(rtol), float(atol), int(max_steps)
        self.tangent_tolerance = float(tangent_tolerance)
        self.tableau = tableau
        self.fsal, self.ssal = False, False
        self.exponent = 1.0 / 4.0  # the embedded error k6 is O(h^4)

    def _step(self, f, args, split, t, y, yd, h, k1, kd1, t_last):
        del f, k1, kd1
        tab = self.tableau
        tangents = yd is not None

        def field(vals):
            moved = args if vals is None else _with_moving(split, vals)
            return lambda ti, yy: self.rhs(ti, yy, moved)

        jac = jax.jacfwd(lambda yy: self.rhs(t, yy, args))(y)
        factors = factorise(jnp.eye(y.shape[0], dtype=y.dtype) / (h * GAMMA) - jac)

        def attempt(y, vals):
            fld = field(vals)

            def correct(k):
                # W depends on (y, vals) through J: W dk = d rhs + (dJ) k. The term below is zero
                # in value; its tangent adds W^-1 (dJ k) with the states' factors.
                jk = jax.jvp(lambda yy: fld(t, yy), (y,), (jax.lax.stop_gradient(k),))[1]
                return k + lu_solve(factors, jk - jax.lax.stop_gradient(jk))

            ks, y_new = rodas_stages(tab, fld, t, y, h, factors, stage_time=lambda ti: jnp.minimum(ti, t_last),
                                     correct=None if vals is None else correct)
            return y_new, ks[5]

        if not tangents:
            y_new, err = attempt(y, None)
            return y_new, None, (err, None), None, None
        (y_new, err), (yd_new, err_d) = jax.jvp(attempt, (y, _moving_values(split)), (yd, split[3]))
        return y_new, yd_new, (err, err_d), None, None


def _moving_values(split) -> tuple:
    """The values of the args leaves that carry tangents (``split``: leaves, treedef, moving, dots)."""
    leaves, _, moving, _ = split
    return tuple(leaves[i] for i in moving)


def _with_moving(split, values):
    """The args pytree of ``split`` with its moving leaves replaced by ``values``."""
    leaves, treedef, moving, _ = split
    full = list(leaves)
    for i, v in zip(moving, values):
        full[i] = v
    return jax.tree_util.tree_unflatten(treedef, full)


def _combine(coefficients, ks):
    """sum_j coefficients[j] * ks[j], skipping zero coefficients (a fused elementwise sum)."""
    terms = [c * k for c, k in zip(coefficients, ks) if c != 0.0]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total
