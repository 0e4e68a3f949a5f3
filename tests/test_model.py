"""The model values: steady states, exact healthy limit, parameter validation."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from remodel_fit import get_model
from remodel_fit.errors import ModelError
from remodel_fit.registry import MODELS
from remodel_fit.model import lemaire, pivonka
from remodel_fit.bone.cytokines import ARMS, CYTOKINES, arm_factor
from remodel_fit.model.inputs import level


def test_pivonka_steady_state_matches_design_and_residual_vanishes():
    model = get_model("pivonka2008")
    p = model.params()
    y0 = pivonka.steady_cells(p)
    np.testing.assert_allclose(y0, [6.1964e-4, 5.5839e-4, 8.0696e-4], rtol=1e-4)
    # the design document's 5 significant digits agree with the root to 1e-5 relative
    np.testing.assert_allclose(np.round(np.asarray(y0) * 1e4, 4) / 1e4, [6.1964e-4, 5.5839e-4, 8.0696e-4], rtol=1e-5)
    residual = model.vector_field(0.0, y0, p, {})
    assert float(jnp.max(jnp.abs(residual))) < 1e-12


def test_lemaire_reproduces_published_steady_state():
    model = get_model("lemaire2004")
    p = model.params()
    y0 = lemaire.steady_cells(p)
    # Lemaire et al. 2004 print R 7.734e-4, B 7.282e-4, C 9.127e-4 pM (four digits)
    np.testing.assert_allclose(y0, [7.734e-4, 7.282e-4, 9.127e-4], rtol=3e-4)
    assert float(jnp.max(jnp.abs(model.vector_field(0.0, y0, p, {})))) < 1e-12


def test_steady_state_follows_parameters():
    model = get_model("pivonka2008")
    low = pivonka.steady_cells(model.params(A_OCa=0.5))
    high = pivonka.steady_cells(model.params(A_OCa=0.9))
    assert low[2] > high[2]  # faster osteoclast apoptosis -> fewer osteoclasts


def test_cytokine_factors_exactly_neutral_at_reference():
    p = get_model("bone_inflammation").params(tnf_e_ocp=0.7)
    for c in CYTOKINES:
        for arm in ARMS:
            assert float(arm_factor(p[f"{c}_ref"], p, c, arm)) == 1.0
        assert float(arm_factor(p[f"{c}_ref"] * 4, p, c, "rankl")) > 1.0


def test_every_model_declares_consistent_metadata():
    for model in MODELS.values():
        assert len(set(model.parameter_names)) == len(model.parameters)
        assert all(p.unit and p.description for p in model.parameters)
        assert not model.state_units or len(model.state_units) == len(model.states)
        for obs in model.observables:
            assert obs.scale_parameter is None or obs.scale_parameter in model.parameter_names


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"D_OBp": -0.1}, "must be > 0"),
        ({"D_Obp": 0.2}, "has no parameter 'D_Obp' (did you mean 'D_OBp'?)"),
        ({"D_OBp": float("nan")}, "must be finite"),
        ({"D_OBp": "fast"}, "must be numeric"),
        ({"D_OBp": [0.2, 0.3], "A_OBa": [0.1, 0.2, 0.3]}, "expected (2,)"),
        ({"tnf_e_rankl": -1.0}, "must lie in [0, 100]"),
    ],
)
def test_bad_parameters_raise_clear_errors(overrides, message):
    model = get_model("bone_inflammation")
    with pytest.raises((ModelError, ValueError)) as err:
        model.params(overrides)
    assert message in str(err.value)


def test_level_schedule_uses_reference_before_first_time():
    schedule = level([10.0, 20.0], [3.0, 7.0], length=4)
    values = [float(schedule.at(t, 1.5)) for t in (0.0, 10.0, 15.0, 25.0)]
    assert values == [1.5, 3.0, 3.0, 7.0]


@pytest.mark.parametrize("ka, ke", [(0.3, 0.05), (0.1, 0.1 + 1e-12)])
def test_dose_recursion_equals_superposition_of_bateman_curves(ka, ke):
    """Amounts after the last dose propagated in closed form = the sum over every dose given."""
    import jax

    from remodel_fit.model.drugs import after_doses, amounts_at, transfer
    from remodel_fit.model.inputs import doses

    schedule = doses([3.0, 10.0, 10.5, 40.0, 90.0], [40.0, 20.0, 5.0, 40.0, 60.0], length=8)  # 3 padding slots
    times = np.asarray(schedule.times)[:5]
    amounts = np.asarray(schedule.amounts)[:5]
    f = 0.7
    after = after_doses(schedule, ka, ke, f)
    for t in (0.0, 3.0, 3.5, 10.2, 10.5, 39.0, 60.0, 400.0):
        depot, central = amounts_at(schedule, after, jnp.asarray(t), ka, ke, f)
        dt = np.where(times <= t, t - times, np.nan)
        given = times <= t
        exp_depot = np.sum(np.where(given, amounts * np.exp(-ka * np.nan_to_num(dt)), 0.0))
        kernel = np.asarray(transfer(jnp.asarray(np.nan_to_num(dt)), ka, ke))
        exp_central = np.sum(np.where(given, f * ka * amounts * kernel, 0.0))
        np.testing.assert_allclose(float(depot), exp_depot, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(float(central), exp_central, rtol=1e-9, atol=1e-14)
    empty = doses([], [], length=4)
    assert float(amounts_at(empty, after_doses(empty, ka, ke, f), jnp.asarray(5.0), ka, ke, f)[1]) == 0.0
    grad = jax.grad(lambda k: amounts_at(schedule, after_doses(schedule, k, ke, f), jnp.asarray(60.0), k, ke, f)[1])(ka)
    h = 1e-6
    fd = (amounts_at(schedule, after_doses(schedule, ka + h, ke, f), jnp.asarray(60.0), ka + h, ke, f)[1]
          - amounts_at(schedule, after_doses(schedule, ka - h, ke, f), jnp.asarray(60.0), ka - h, ke, f)[1]) / (2 * h)
    np.testing.assert_allclose(float(grad), float(fd), rtol=1e-5)
