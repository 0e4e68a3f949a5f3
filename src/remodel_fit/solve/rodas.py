"""Rodas4: a linearly implicit (Rosenbrock) stiff solver for diffrax, in plain ``jax.numpy``.

Why: the ESDIRK solvers (Kvaerno) solve a nonlinear system per implicit stage by Newton
iterations (a ``while`` loop each, run in lockstep under ``vmap``) with lineax, which also
rejects the shapes ``shard_map`` and ``pmap`` trace. A Rosenbrock method needs one Jacobian
(``jax.jacfwd``, the state is small) and one LU factorisation per step, then six linear solves
with no iteration; with the factorisation unrolled in ``jax.numpy`` (:func:`factorise`) it
vmaps, shards and differentiates like any ``jnp`` code.

Method: RODAS4 of Hairer & Wanner (*Solving ODEs II*, 2nd ed., 1996, §VI.4; the coefficient
set of their Fortran code ``rodas.f``, as tabulated in OrdinaryDiffEq.jl's
``Rodas4Tableau``): 6 stages, order 4 with an embedded order-3 solution, L-stable and
stiffly accurate; non-autonomous right-hand sides through ``∂f/∂t`` (a ``jax.jvp`` in t).
Stages, with W = I / (h γ) - J:  W k_i = f(t0 + c_i h, y0 + Σ_j a_ij k_j) + Σ_j (C_ij / h) k_j
+ h d_i ∂f/∂t; y1 = y0 + Σ_j a_5j k_j + k5 + k6 and the local error estimate is k6. Dense
output: the method's own stiff-aware third-order interpolant (coefficients h_ij).
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import diffrax
import jax
import jax.numpy as jnp
import numpy as np


class Tableau(NamedTuple):
    """A 6-stage Rodas method in Hairer & Wanner's transformed form (γ = 1/4)."""

    a: np.ndarray  # (5, 4) stage inputs y0 + Σ_j a_ij k_j of stages 2-5
    c: np.ndarray  # (6, 5) couplings (C_ij / h) k_j
    c_time: np.ndarray  # (6,) stage abscissae
    d_time: np.ndarray  # (6,) weights of h ∂f/∂t
    h_dense: np.ndarray  # (2, 5) dense-output coefficients


GAMMA = 0.25
RODAS4 = Tableau(
    a=np.array([
        [0.0, 0.0, 0.0, 0.0],
        [1.544000000000000, 0.0, 0.0, 0.0],
        [0.9466785280815826, 0.2557011698983284, 0.0, 0.0],
        [3.314825187068521, 2.896124015972201, 0.9986419139977817, 0.0],
        [1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950],
    ]),
    c=np.array([
        [0.0, 0.0, 0.0, 0.0, 0.0],
        [-5.668800000000000, 0.0, 0.0, 0.0, 0.0],
        [-2.430093356833875, -0.2063599157091915, 0.0, 0.0, 0.0],
        [-0.1073529058151375, -9.594562251023355, -20.47028614809616, 0.0, 0.0],
        [7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160, 0.0],
        [8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136, -6.058818238834054],
    ]),
    c_time=np.array([0.0, 0.386, 0.21, 0.63, 1.0, 1.0]),
    d_time=np.array([0.25, -0.1043, 0.1035, -0.0362, 0.0, 0.0]),
    h_dense=np.array([
        [10.12623508344586, -7.487995877610167, -34.80091861555747, -7.992771707568823, 1.025137723295662],
        [-0.6762803392801253, 6.087714651680015, 16.43084320892478, 24.76722511418386, -6.594389125716872],
    ]),
)
# Steinebach's RODAS4P: the same structure, free of order reduction on Prothero-Robinson-type
# (stiff, non-autonomous) problems.
RODAS4P = Tableau(
    a=np.array([
        [0.0, 0.0, 0.0, 0.0],
        [3.0, 0.0, 0.0, 0.0],
        [1.831036793486759, 0.4955183967433795, 0.0, 0.0],
        [2.304376582692669, -0.05249275245743001, -1.176798761832782, 0.0],
        [-7.170454962423024, -4.741636671481785, -16.31002631330971, -1.062004044111401],
    ]),
    c=np.array([
        [0.0, 0.0, 0.0, 0.0, 0.0],
        [-12.0, 0.0, 0.0, 0.0, 0.0],
        [-8.791795173947035, -2.207865586973518, 0.0, 0.0, 0.0],
        [10.81793056857153, 6.780270611428266, 19.53485944642410, 0.0, 0.0],
        [34.19095006749676, 15.49671153725963, 54.74760875964130, 14.16005392148534, 0.0],
        [34.62605830930532, 15.30084976114473, 56.99955578662667, 18.40807009793095, -5.714285714285717],
    ]),
    c_time=np.array([0.0, 0.75, 0.21, 0.63, 1.0, 1.0]),
    d_time=np.array([0.25, -0.5, -0.023504, -0.0362, 0.0, 0.0]),
    h_dense=np.array([
        [25.09876703708589, 11.62013104361867, 28.49148307714626, -5.664021568594133, 0.0],
        [1.638054557396973, -0.7373619806678748, 8.477918219238990, 15.99253148779520, -1.882352941176471],
    ]),
)


def factorise(w: jax.Array) -> list[list[jax.Array]]:
    """LU factors of a small square ``w`` (unit-diagonal L below, U on and above), unrolled.

    No pivoting: the Rosenbrock matrix W = I / (h γ) - J is diagonally dominant once h is small
    enough, and a step whose result is not finite (a zero pivot, say) is rejected with an
    infinite error, so the controller shrinks h, as diffrax's implicit solvers reject a step
    whose Newton iteration fails. Unrolled into scalar operations, which under ``vmap`` fuse
    into a few array operations: a Rodas step costs 1.1 us per row against 4.6 us with LAPACK's
    getrf and triangular solves (idle, benchmarks/bench_rodas.py), and, unlike a LAPACK call,
    it runs under ``shard_map`` on two host devices (getrf inside a sharded loop deadlocked
    XLA's CPU runtime here; benchmarks/RESULTS.md).
    """
    n = w.shape[0]
    a = [[w[i, j] for j in range(n)] for i in range(n)]
    for k in range(n):
        inverse = 1.0 / a[k][k]
        for i in range(k + 1, n):
            a[i][k] = a[i][k] * inverse
            for j in range(k + 1, n):
                a[i][j] = a[i][j] - a[i][k] * a[k][j]
    return a


def solve(lu: list[list[jax.Array]], b: jax.Array) -> jax.Array:
    """``w x = b`` from :func:`factorise`'s factors: forward then back substitution, unrolled."""
    n = len(lu)
    y: list = []
    for i in range(n):
        y.append(b[i] - sum((lu[i][j] * y[j] for j in range(i)), jnp.zeros_like(b[i])))
    x: list = [None] * n
    for i in reversed(range(n)):
        x[i] = (y[i] - sum((lu[i][j] * x[j] for j in range(i + 1, n)), jnp.zeros_like(b[i]))) / lu[i][i]
    return jnp.stack(x)


def stages(tab: Tableau, f, t0, y0, h, factors, *, stage_time=None, correct=None) -> tuple[list[jax.Array], jax.Array]:
    """The six stage increments of one Rodas step from ``(t0, y0)`` of size ``h`` and the new state.

    ``f(t, y)`` is the vector field and ``factors`` the LU of W = I / (h γ) - J (:func:`factorise`).
    Stage i solves W k_i = f(t_i, y0 + Σ_j a_ij k_j) + Σ_j (C_ij / h) k_j + h d_i ∂f/∂t;
    ``stage_time(t_i)`` may move a stage's time (the fused loop clips it to a jump's left limit), and
    ``correct(k_i)`` replaces each increment as it is formed (the fused loop adds its tangent term).
    """
    f0, dfdt = jax.jvp(lambda t: f(t, y0), (t0,), (jnp.ones_like(t0),))
    ks: list[jax.Array] = []
    y_stage = y0
    for i in range(6):
        if i == 0:
            rhs = f0
        else:
            if i < 5:
                y_stage = y0 + sum(tab.a[i, j] * ks[j] for j in range(i) if tab.a[i, j] != 0.0)
            else:
                y_stage = y_stage + ks[4]  # stiffly accurate: stage 6 starts from stage 5's solution
            ti = t0 + tab.c_time[i] * h
            rhs = f(ti if stage_time is None else stage_time(ti), y_stage)
            rhs = rhs + sum(tab.c[i, j] * ks[j] for j in range(i)) / h
        if tab.d_time[i] != 0.0:
            rhs = rhs + (tab.d_time[i] * h) * dfdt
        k = solve(factors, rhs)
        ks.append(k if correct is None else correct(k))
    return ks, y_stage + ks[5]


class RodasInterpolation(diffrax.AbstractLocalInterpolation):
    """y(θ) = (1 - θ) y0 + θ (y1 + (1 - θ)(q1 + θ q2)), θ = (t - t0) / (t1 - t0)."""

    t0: jax.Array
    t1: jax.Array
    y0: jax.Array
    y1: jax.Array
    q1: jax.Array
    q2: jax.Array

    def evaluate(self, t0, t1=None, left: bool = True):
        del left
        if t1 is not None:
            return self.evaluate(t1) - self.evaluate(t0)
        theta = (t0 - self.t0) / (self.t1 - self.t0)
        return (1 - theta) * self.y0 + theta * (self.y1 + (1 - theta) * (self.q1 + theta * self.q2))


class Rodas4(diffrax.AbstractAdaptiveSolver):
    """Hairer & Wanner's RODAS4 (order 4(3), L-stable) for ODEs whose state is one array."""

    term_structure: ClassVar = diffrax.AbstractTerm
    interpolation_cls: ClassVar = RodasInterpolation
    tableau: ClassVar[Tableau] = RODAS4

    def order(self, terms) -> int:
        return 4

    def error_order(self, terms) -> int:
        return 4  # k6 = (order 4) - (order 3) solution: local error O(h^4)

    def init(self, terms, t0, t1, y0, args) -> None:
        return None

    def func(self, terms, t0, y0, args):
        return terms.vf(t0, y0, args)

    def step(self, terms, t0, t1, y0, args, solver_state, made_jump):
        del solver_state, made_jump
        h = t1 - t0

        def f(t, y):
            return terms.vf(t, y, args)

        jac = jax.jacfwd(lambda y: f(t0, y))(y0)
        factors = factorise(jnp.eye(y0.shape[0], dtype=y0.dtype) / (h * GAMMA) - jac)
        tab = self.tableau
        ks, y1 = stages(tab, f, t0, y0, h, factors)
        good = jnp.all(jnp.isfinite(y1)) & jnp.all(jnp.isfinite(ks[5]))  # a zero pivot shows up here as inf/nan
        y1 = jnp.where(good, y1, y0)  # a failed step is rejected (infinite error) and retried smaller
        y_error = jnp.where(good, ks[5], jnp.inf)
        q1 = sum(tab.h_dense[0, j] * ks[j] for j in range(5))
        q2 = sum(tab.h_dense[1, j] * ks[j] for j in range(5))
        dense_info = dict(y0=y0, y1=y1, q1=q1, q2=q2)
        return y1, y_error, dense_info, None, diffrax.RESULTS.successful


class Rodas4P(Rodas4):
    """Steinebach's RODAS4P: RODAS4's structure with coefficients free of order reduction."""

    tableau: ClassVar[Tableau] = RODAS4P
