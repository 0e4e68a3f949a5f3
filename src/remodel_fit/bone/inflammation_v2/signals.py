"""Signals of ``bone_inflammation_v2``: PTH (systemic, infused, teriparatide), the cytokine and PTH
modifiers (all exactly 1 at the reference), RANKL, OPG and the denosumab decoy, TGF-beta.

Equations and sources: docs/model.md, "bone_inflammation_v2".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp

from ...model.base import Params
from ...model.inputs import LevelSchedule, level_at
from ...model.pth import PTH_INFUSION, infusion
from .. import cytokines, teriparatide
from ..inflammation import effective_cytokines

TERI_DAILY = "teriparatide_ug_day"
ACTIVITY = "inflammation"
TREATMENT = "anti_inflammatory"
TERI_DOSES = "teriparatide_ug"


def hill(x: jnp.ndarray, k: jnp.ndarray, n: jnp.ndarray) -> jnp.ndarray:
    """x^n / (x^n + k^n) for x >= 0, written with the ratio (stable for large n)."""
    r = (jnp.maximum(x, 0.0) / k) ** n
    return r / (1.0 + r)


def pth_baseline(p: Params) -> jnp.ndarray:
    """PTH at the reference (systemic production only), pM."""
    return p["beta_PTH"] / p["Dt_PTH"]


def pth_functions(p: Params) -> tuple[Callable, Callable, Callable]:
    """The PTH signals as functions of PTH (pM): RANKL activation pi_act and OPG repression pi_rep
    (Pivonka 2008), and the steep anabolic receptor response S."""
    return (
        lambda c: c / (c + p["K_D4"]),
        lambda c: p["K_D6"] / (c + p["K_D6"]),
        lambda c: hill(c, p["K_ana"], p["n_ana"]),
    )


def pth_signals(t, p: Params, inputs: Mapping) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """(pi_act, pi_rep, S) at ``t``: instantaneous, or averaged over the daily teriparatide pulse
    (looked up per dose level when :func:`daily_signal_levels` prepared them)."""
    if DAILY_SIGNALS in p and TERI_DAILY in inputs:
        table = p[DAILY_SIGNALS]
        levels = table.shape[1] - 1
        column = LevelSchedule(inputs[TERI_DAILY].times, jnp.arange(levels)).at(t, jnp.asarray(levels))
        return tuple(table[:, column])
    functions = pth_functions(p)
    level = (p["beta_PTH"] + infusion(inputs, t)) / p["Dt_PTH"]
    pk = (p["teri_ka"], p["teri_ke"], p["teri_V"], p["teri_F"])
    if TERI_DOSES in inputs:
        level = level + teriparatide.concentration(inputs[TERI_DOSES], p["teri_after"], t, *pk)
    if TERI_DAILY in inputs:
        dose = level_at(inputs, TERI_DAILY, t, jnp.asarray(0.0))
        return daily_signals(dose, level, p)
    return tuple(f(level) for f in functions)


def daily_signals(dose: jnp.ndarray, level: jnp.ndarray, p: Params) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """(pi_act, pi_rep, S) averaged over the day of a once-daily teriparatide ``dose`` (ug) on top
    of the PTH ``level`` (pM)."""
    pk = (p["teri_ka"], p["teri_ke"], p["teri_V"], p["teri_F"])
    return tuple(teriparatide.daily_mean(lambda c, f=f: f(level + c), dose, *pk) for f in pth_functions(p))


DAILY_SIGNALS = "teri_daily_signals"
"""Prepared key: the daily-mean PTH signals (3, levels + 1) of each teriparatide dose level, then of no dose
(the column before the schedule starts)."""


def daily_signal_levels(p: Params, inputs: Mapping) -> dict[str, jnp.ndarray]:
    """The daily-mean PTH signals of every level of the once-daily teriparatide schedule, computed
    once per solve: with no other time-varying PTH source (infusion, explicit pulses) they are
    constant between level changes, so the vector field looks them up instead of integrating the
    pulse at every evaluation. Empty when another PTH source varies in time."""
    if TERI_DAILY not in inputs or TERI_DOSES in inputs or PTH_INFUSION.name in inputs:
        return {}
    doses = jnp.append(inputs[TERI_DAILY].values, 0.0)
    level = pth_baseline(p)
    return {DAILY_SIGNALS: jax.vmap(lambda d: jnp.stack(daily_signals(d, level, p)))(doses).T}


def activity(t, p: Params, inputs: Mapping) -> jnp.ndarray:
    """Inflammatory activity A(t) = infl_severity * inflammation(t) * (1 - (1 - residual_activity) * treatment(t)):
    the ``inflammation`` input (1: the disease's active level, 0: none) lowered by the ``anti_inflammatory`` input
    (0-1, the fraction of the full treatment effect) to ``residual_activity`` at full effect."""
    level = level_at(inputs, ACTIVITY, t, jnp.asarray(0.0))
    treated = level_at(inputs, TREATMENT, t, jnp.asarray(0.0))
    return p["infl_severity"] * level * (1.0 - (1.0 - p["residual_activity"]) * treated)


def arm_cytokines(t, p: Params, inputs: Mapping) -> dict[str, jnp.ndarray]:
    """Cytokine levels at ``t`` (pg/mL): the level inputs after anti-cytokine PK, times fold_c^A(t) for an arm
    given by its inflammatory activity (:func:`activity`; exactly the level inputs without an ``inflammation``
    input, and at A = 0)."""
    levels = effective_cytokines(t, p, inputs)
    if ACTIVITY not in inputs:
        return levels
    a = activity(t, p, inputs)
    return {c: v * jnp.exp(a * jnp.log(p[f"{c}_fold"])) for c, v in levels.items()}


def _pth_gain(p: Params, name: str, signal: jnp.ndarray, at_reference: jnp.ndarray) -> jnp.ndarray:
    return (1.0 + p[name] * signal) / (1.0 + p[name] * at_reference)


def factors(t, p: Params, inputs: Mapping) -> dict[str, jnp.ndarray]:
    """Every multiplicative modifier of the core at ``t`` (cytokine and PTH factors exactly 1 at the
    reference; ``opg`` carries Pivonka's absolute pi_rep)."""
    f = cytokines.arm_factors(arm_cytokines(t, p, inputs), p)
    act, rep, ana = pth_signals(t, p, inputs)
    act0, _, ana0 = (g(pth_baseline(p)) for g in pth_functions(p))
    return {
        "rankl": f["rankl"] * act / act0,
        "opg": rep / f["opg"],
        "ob": f["ob"],
        "ocp": f["ocp"],
        "obu_pth": _pth_gain(p, "E_pth_obu", ana, ana0),
        "oba_pth": _pth_gain(p, "E_pth_oba", ana, ana0),
        "ocp_pth": _pth_gain(p, "E_pth_ocp", ana, ana0),
    }


def baseline_factors(p: Params) -> dict[str, jnp.ndarray]:
    """The modifiers at the reference (what :func:`factors` gives with every input at its reference)."""
    one = jnp.ones_like(p["beta_PTH"])
    rep = pth_functions(p)[1](pth_baseline(p))
    return {"rankl": one, "opg": rep, "ob": one, "ocp": one, "obu_pth": one, "oba_pth": one, "ocp_pth": one}


def denosumab_decoy(dmab, p: Params) -> jnp.ndarray:
    """RANKL decoy of serum denosumab in bone: kA csat x^h/(1 + x^h), x = C/csat (h = 1: kA C/(1 + C/csat)).

    x^h is exp(h log x) where x > 0 and 0 at x = 0, so its derivatives stay finite at no drug."""
    x = dmab / p["dmab_csat"]
    positive = x > 0.0
    xh = jnp.where(positive, jnp.exp(p["dmab_hill"] * jnp.log(jnp.where(positive, x, 1.0))), 0.0)
    return p["dmab_kA"] * p["dmab_csat"] * xh / (1.0 + xh)


def rankl_opg(OBp, OBa, dmab, p: Params, fac: Mapping) -> dict[str, jnp.ndarray]:
    """OPG, total and free RANKL and the RANKL-RANK activation pi_RANKL of precursor differentiation.

    The expression multiplier multiplies Pivonka's production and capacity, so total RANKL is
    proportional to expression and saturates in OBp only."""
    p_opg = p["beta_OPG"] * OBa * fac["opg"]
    opg = p_opg * p["OPG_max"] / (p_opg + p["Dt_OPG"] * p["OPG_max"])
    act0 = pth_functions(p)[0](pth_baseline(p))
    capacity = p["R_RANKL"] * OBp * act0
    total = fac["rankl"] * p["beta_RANKL"] * capacity / (p["beta_RANKL"] + p["Dt_RANKL"] * capacity)
    decoy = denosumab_decoy(dmab, p)
    free = total / (1.0 + p["K_A1"] * opg + p["K_A2"] * p["RANK"] + decoy)
    occupancy = p["K_A2"] * p["RANK"] * free
    return {"OPG": opg, "RANKL_total": total, "RANKL": free, "pi_RANKL": occupancy / (occupancy + p["K_D8"])}


def tgf_terms(OCa, p: Params) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """Pivonka's TGF-beta (= OCa) terms: pi_act,OBu, pi_rep,OBp, pi_act,OCa."""
    return OCa / (OCa + p["K_D1"]), p["K_D2"] / (OCa + p["K_D2"]), OCa / (OCa + p["K_D3"])
