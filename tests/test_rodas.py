"""The Rosenbrock solvers (Rodas4, Rodas4P): order, stiff accuracy, dense output, derivatives."""

from __future__ import annotations

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import remodel_fit  # noqa: F401  (float64)
from remodel_fit.solve.rodas import Rodas4, Rodas4P

SOLVERS = {"rodas4": Rodas4(), "rodas4p": Rodas4P()}


def riccati(t, y, k):
    """y' = -k y^2 + t: nonlinear and non-autonomous (exercises the ∂f/∂t terms)."""
    return -k * y**2 + t


def reference(ts, k=1.0):
    return _reference(ts, jnp.asarray(k))


@jax.jit
def _reference(ts, k):
    sol = diffrax.diffeqsolve(diffrax.ODETerm(riccati), diffrax.Dopri8(), 0.0, 2.0, None, jnp.array([1.0]), args=k,
                              saveat=diffrax.SaveAt(ts=ts), stepsize_controller=diffrax.PIDController(rtol=1e-13, atol=1e-13))
    return sol.ys[:, 0]


def fixed_step(solver, h, ts, k=1.0):
    # h and k as arrays: one compiled solve serves every step size
    sol = diffrax.diffeqsolve(diffrax.ODETerm(riccati), solver, 0.0, 2.0, jnp.asarray(h), jnp.array([1.0]), args=jnp.asarray(k),
                              saveat=diffrax.SaveAt(ts=ts), max_steps=1000)
    return np.asarray(sol.ys[:, 0])


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_fourth_order_at_step_ends_third_order_in_between(name):
    ts = jnp.append(jnp.linspace(0.013, 1.987, 301), 2.0)  # every phase within a step, and the end
    ref = reference(ts)
    err = np.stack([abs(fixed_step(SOLVERS[name], h, ts) - ref) for h in (0.1, 0.05, 0.025)])
    orders = np.log2(err[:-1, -1] / err[1:, -1])
    assert np.all((orders > 3.8) & (orders < 4.4)), orders  # global order 4
    dense = err[:, :-1].max(1)
    assert np.log2(dense[1] / dense[2]) > 3.5, dense  # the interpolant: O(h^4) local error


def prothero_robinson(rtol: float, solver):
    """y' = -L (y - cos t) - sin t, y(0) = 2, L = 1e4: exact cos t + exp(-L t) (stiff, non-autonomous)."""
    vf = lambda t, y, args: -1e4 * (y - jnp.cos(t)) - jnp.sin(t)  # noqa: E731
    sol = diffrax.diffeqsolve(diffrax.ODETerm(vf), solver, 0.0, 10.0, None, jnp.array([2.0]),
                              stepsize_controller=diffrax.PIDController(rtol=rtol, atol=rtol * 1e-2), max_steps=20000)
    return abs(float(sol.ys[-1, 0]) - np.cos(10.0)), int(sol.stats["num_steps"])


def test_rodas4p_is_free_of_the_order_reduction_that_slows_rodas4():
    err_p, steps_p = prothero_robinson(1e-8, Rodas4P())
    err_4, steps_4 = prothero_robinson(1e-8, Rodas4())
    assert err_p < 1e-9 and err_4 < 1e-9  # both accurate at the end ...
    assert steps_p < 300 < 3000 < steps_4  # ... but Rodas4 needs 20x the steps (measured 178 vs 5,934)


def test_forward_mode_derivative_matches_central_differences():
    ts = jnp.array([0.5, 2.0])

    @jax.jit
    def solve(k):
        sol = diffrax.diffeqsolve(diffrax.ODETerm(riccati), Rodas4P(), 0.0, 2.0, None, jnp.array([1.0]), args=k,
                                  saveat=diffrax.SaveAt(ts=ts), adjoint=diffrax.ForwardMode(),
                                  stepsize_controller=diffrax.PIDController(rtol=1e-10, atol=1e-12))
        return sol.ys[:, 0]

    k, h = 0.7, 1e-5
    fd = (np.asarray(solve(jnp.asarray(k + h))) - np.asarray(solve(jnp.asarray(k - h)))) / (2 * h)
    np.testing.assert_allclose(np.asarray(jax.jacfwd(solve)(jnp.asarray(k))), fd, rtol=1e-6)
    fd_ref = (reference(ts, k + h) - reference(ts, k - h)) / (2 * h)
    np.testing.assert_allclose(fd, fd_ref, rtol=1e-5)  # and the solution itself is right
