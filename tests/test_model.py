"""The model values: steady states, exact healthy limit, parameter validation."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from remodel_fit import get_model
from remodel_fit.model import MODELS, ModelError
from remodel_fit.model import lemaire, pivonka
from remodel_fit.model.cytokines import ARMS, CYTOKINES, arm_factor
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
