"""Scenario predictions (``fit.predict``): the same scenario syntax and numbers as ``remodel_fit.scenarios``."""

from __future__ import annotations

import numpy as np
import pytest

from remodel_fit import get_model
from remodel_fit.errors import ConfigError
from remodel_fit.runtime import enable_compile_cache
from remodel_fit.bone.scenarios import DEFAULT_SCENARIOS
from remodel_fit.inference.predict import predict_scenarios
from remodel_fit.solve.scenarios import run_scenarios

OBSERVABLES = ["bmd_ls_rel", "ctx_rel", "p1np_rel"]


@pytest.fixture(scope="module", autouse=True)
def _cache():
    enable_compile_cache()


def test_single_default_draw_matches_deterministic_scenarios():
    model = get_model("bone_inflammation")
    params = model.params()
    times = np.linspace(0.0, 365.0, 13)
    draws = {"k_form": np.array([float(params["k_form"])])}
    table = predict_scenarios(model, {}, draws, DEFAULT_SCENARIOS, times, OBSERVABLES)
    reference, _ = run_scenarios(model, params, DEFAULT_SCENARIOS, times)
    assert set(table["scenario"]) == set(DEFAULT_SCENARIOS)
    assert (table["draws"] == 1).all()
    for (name, obs), rows in table.groupby(["scenario", "observable"]):
        ref = reference[(reference.scenario == name) & (reference.quantity == obs)]
        np.testing.assert_allclose(rows["time"], ref["time_days"], rtol=0, atol=0)
        np.testing.assert_allclose(rows["q50"], ref["value"], rtol=0, atol=1e-10, err_msg=f"{name} {obs}")
    # the treatments act: anti-TNF and denosumab end above the untreated bone density
    final = table[table.observable == "bmd_ls_rel"].groupby("scenario")["q50"].last()
    assert final["anti_tnf_m6"] > final["untreated"] and final["denosumab_q6m"] > final["untreated"]


@pytest.mark.parametrize(
    ("scenario", "where"),
    [
        ({"inputs": {"tnf": {"times": [0], "values": [23.0]}}}, "fit.predict.scenarios.bad.inputs: unknown key"),
        ({"levels": {"tnfx": [[0, 23]]}}, "fit.predict.scenarios.bad.levels.tnfx: "),
        ({"doses": {"anti_tnf_mg": {"start": 0, "amount": 40}}}, "fit.predict.scenarios.bad.doses.anti_tnf_mg: missing"),
    ],
)
def test_bad_scenario_names_the_config_key(scenario, where):
    model = get_model("bone_inflammation")
    draws = {"k_form": np.array([float(model.params()["k_form"])])}
    with pytest.raises(ConfigError) as err:
        predict_scenarios(model, {}, draws, {"bad": scenario}, np.linspace(0.0, 30.0, 3), ["bmd_ls_rel"])
    assert str(err.value).startswith(where)
    assert "\n" not in str(err.value)
