"""Exogenous PTH (input ``pth_infusion``) in the published cores: the papers' PTH tests, and the
published steady state untouched without (or with a zero) infusion."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from remodel_fit.model.inputs import level
from remodel_fit.model.lemaire import LEMAIRE_2004
from remodel_fit.model.pivonka import PIVONKA_2008
from remodel_fit.solve import SolverConfig, simulate

STIFF = SolverConfig(solver="rodas4p", rtol=1e-8, atol=1e-10)


def test_lemaire_2004_pth_injection_raises_osteoclasts_4_04_fold():
    """Lemaire et al. 2004, PTH injection I_P = 1e3 pM/day on days 20-80: peak of C 4.04x steady state."""
    ts = jnp.linspace(0.0, 200.0, 2001)
    sol = simulate(LEMAIRE_2004, LEMAIRE_2004.params(), ts, {"pth_infusion": level([20.0, 80.0], [1e3, 0.0])},
                   config=STIFF)
    assert bool(sol.ok)
    c_rel = np.asarray(sol.states[:, 2] / sol.y0[2])
    assert abs(c_rel.max() - 4.04) < 0.005, c_rel.max()
    assert 20.0 < float(ts[np.argmax(c_rel)]) < 80.0
    assert abs(c_rel[-1] - 1.0) < 0.05  # back towards the steady state after the injection


def test_pivonka_2008_pth_infusion_for_100_days():
    """Pivonka et al. 2008, P_PTH,d = 1e3 pM/day for 100 days: OCa 1.93x and OBa 1.69x at day 100."""
    sol = simulate(PIVONKA_2008, PIVONKA_2008.params(), jnp.linspace(0.0, 100.0, 101),
                   {"pth_infusion": level([0.0], [1e3])}, config=STIFF)
    assert bool(sol.ok)
    ratio = np.asarray(sol.states[-1] / sol.y0)
    assert abs(ratio[2] - 1.93) < 0.005, ratio
    assert abs(ratio[1] - 1.69) < 0.005, ratio


@pytest.mark.parametrize("model", [PIVONKA_2008, LEMAIRE_2004], ids=lambda m: m.name)
def test_zero_infusion_keeps_the_published_core(model):
    p = model.prepared(model.params(), {})
    y0 = model.initial_state(p, {})
    zero = {"pth_infusion": level([0.0, 5.0], [0.0, 0.0])}
    rng = np.random.default_rng(0)
    for _ in range(5):
        y = y0 * jnp.asarray(np.exp(rng.normal(0.0, 0.3, y0.shape)))
        t = float(rng.uniform(0.0, 10.0))
        assert np.array_equal(np.asarray(model.vector_field(t, y, p, zero)), np.asarray(model.vector_field(t, y, p, {})))
    assert float(jnp.max(jnp.abs(model.vector_field(0.0, y0, p, {})) / y0)) < 1e-10
