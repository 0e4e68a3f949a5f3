"""``bone_inflammation_v2``: the remodelling core meant to reproduce the clinical record.

States: OBp, OBa, OCp (osteoclast-precursor pool), OCa (pM); serum ``denosumab`` (pM);
``formation`` (matrix formation in progress, 1 at baseline); bone volume ``V_ls, V_th, V_fn`` and
mean mineral content ``mu_ls, mu_th, mu_fn`` of lumbar spine, total hip and femoral neck (1 at
baseline); BMD of a site is V mu. The initial state is the healthy steady state (every input at
its reference, no drug). Equations and sources: docs/model.md, "bone_inflammation_v2".
"""

from __future__ import annotations

from dataclasses import replace

import jax.numpy as jnp

from ...model.base import Input, Model, Observable, Params
from ...model.drugs import after_doses, amounts_at, mg_to_pmol
from ...model.pth import PTH_INFUSION
from .. import cytokines, inflammation, teriparatide
from .cells import cell_derivatives, pool_rates, steady_cells
from .parameters import NG_PER_ML_TO_PM, PARAMETERS, SITE_TEXT, SITES
from .signals import (ACTIVITY, TERI_DAILY, TERI_DOSES, TREATMENT, arm_cytokines, baseline_factors, daily_signal_levels,
                      factors, rankl_opg)

STATES = ("OBp", "OBa", "OCp", "OCa", "denosumab", "formation", "V_ls", "V_th", "V_fn", "mu_ls", "mu_th", "mu_fn")
I_OBP, I_OBA, I_OCP, I_OCA, I_DMAB, I_FORM = range(6)
I_V = {s: 6 + i for i, s in enumerate(SITES)}
I_MU = {s: 9 + i for i, s in enumerate(SITES)}

_INFL = {i.name: i for i in inflammation.INPUTS}
INPUTS: tuple[Input, ...] = (
    _INFL["tnf"], _INFL["il1"], _INFL["il6"], PTH_INFUSION,
    Input(TERI_DAILY, "level", "ug/d", "teriparatide once-daily SC dose (PTH signals averaged over the daily pulse)"),
    Input(TERI_DOSES, "dose", "ug", "teriparatide SC doses (every pulse resolved)"),
    _INFL["denosumab_mg"], _INFL["anti_tnf_mg"], _INFL["anti_il6_mg"],
    Input(ACTIVITY, "level", "1", "an arm's inflammatory disease activity (1: the disease's active level, 0: none); "
          "cytokines at reference x fold^activity"),
    Input(TREATMENT, "level", "1", "fraction of the full anti-inflammatory treatment effect (0-1; from the drug's "
          "concentration, C/(C + EC50))"),
)

OBSERVABLES: tuple[Observable, ...] = tuple(
    o for s in SITES for o in (
        Observable(f"bmd_{s}", "g/cm2", f"{SITE_TEXT[s]} BMD (DXA)", scale_parameter=f"bmd_{s}0"),
        Observable(f"bmd_{s}_rel", "1", f"{SITE_TEXT[s]} BMD {inflammation.REL}"),
    )
) + tuple(
    replace(o, scale_parameter=f"{o.name}_scale") if o.name in ("ctx_rel", "p1np_rel", "bsap_rel") else o
    for o in inflammation.serum_observables("ctx0 ((OCa/OCa0)^q_ctx + b_ctx)/(1 + b_ctx)", "p1np0 formation^q_p1np",
                                            "bsap0 formation^q_bsap")
) + (
    Observable("osteocalcin_rel", "1", f"serum osteocalcin (formation), formation^q_oc, {inflammation.REL}"),
    Observable("ctx_oc_ratio_rel", "1", f"serum CTX over osteocalcin, {inflammation.REL}"),
    Observable("rankl_rel", "1", f"serum free RANKL {inflammation.REL}"),
    Observable("opg_rel", "1", f"serum OPG {inflammation.REL}"),
    *(Observable(f"{c}_rel", "1", f"serum {cytokines.LONG_NAME[c]} over the healthy reference level") for c in cytokines.CYTOKINES),
    Observable("crp_rel", "1", "serum CRP over the healthy level, (IL-6 over reference)^q_crp (IL-6 drives hepatic CRP)"),
    Observable("resorption_rel", "1", "resorption flux OCa/OCa0"),
    Observable("formation_rel", "1", "matrix formation flux (the formation state)"),
)


def _prepare(p: Params, inputs) -> Params:
    """Pool rates, the healthy steady state and its signals, the PK recursions of the doses and the
    daily-mean PTH signals of each teriparatide level."""
    q = {**p, **pool_rates(p)}
    cells = steady_cells(q)
    s = rankl_opg(cells[0], cells[1], 0.0, q, baseline_factors(q))
    out = {**q, "OBp0": cells[0], "OBa0": cells[1], "OCp0": cells[2], "OCa0": cells[3],
           "RANKL0": s["RANKL"], "OPG0": s["OPG"], "pi_RANKL0": s["pi_RANKL"]}
    for _, drug, prefix in inflammation.ANTI_CYTOKINES + (("", "denosumab_mg", "dmab"),):
        if drug in inputs:
            out[f"{prefix}_after"] = after_doses(inputs[drug], *inflammation.sc_pk(p, prefix))
    if TERI_DOSES in inputs:
        out["teri_after"] = teriparatide.prepare_doses(inputs[TERI_DOSES], p["teri_ka"], p["teri_ke"], p["teri_F"])
    return {**out, **daily_signal_levels(q, inputs)}


def _initial_state(p: Params, inputs) -> jnp.ndarray:
    one = jnp.ones_like(p["OCa0"])
    return jnp.stack([p["OBp0"], p["OBa0"], p["OCp0"], p["OCa0"], 0.0 * one, one] + [one] * 6)


def mu_max(p: Params, site: str) -> jnp.ndarray:
    """Asymptotic mineral content that keeps the baseline mean mineral content steady at 1."""
    return 1.0 + p[f"k_{site}"] * (1.0 - p["mu_new"]) / p["k_min"]


def _denosumab_rate(t, dmab, p: Params, inputs) -> jnp.ndarray:
    """d(serum denosumab)/dt: SC absorption, linear and target-mediated (saturable) elimination."""
    absorption = 0.0
    if "denosumab_mg" in inputs:
        depot_mg, _ = amounts_at(inputs["denosumab_mg"], p["dmab_after"], t, *inflammation.sc_pk(p, "dmab"))
        absorption = p["dmab_ka"] * p["dmab_F"] * mg_to_pmol(depot_mg, inflammation.DENOSUMAB_KDA) / p["dmab_V"]
    return absorption - p["dmab_kel"] * dmab - p["dmab_vmax"] * dmab / (p["dmab_km"] + dmab)


def _vector_field(t, y, p: Params, inputs) -> jnp.ndarray:
    fac = factors(t, p, inputs)
    cells = cell_derivatives(y[I_OBP], y[I_OBA], y[I_OCP], y[I_OCA], y[I_DMAB], p, fac)
    formation = jnp.maximum(y[I_FORM], 1e-12)
    resorption = jnp.maximum(y[I_OCA] / p["OCa0"], 1e-12)
    d_form = p["k_form"] * (jnp.maximum(y[I_OBA] / p["OBa0"], 1e-12) - y[I_FORM])
    d_v, d_mu = [], []
    for s in SITES:
        formed = formation ** p[f"gf_{s}"]
        d_v.append(p[f"k_{s}"] * (formed * (1.0 - p[f"eps_{s}"]) - resorption ** p[f"gr_{s}"]))
        d_mu.append(p[f"k_{s}"] * formed * (p["mu_new"] - y[I_MU[s]]) + p["k_min"] * (mu_max(p, s) - y[I_MU[s]]))
    return jnp.stack([*cells, _denosumab_rate(t, y[I_DMAB], p, inputs), d_form, *d_v, *d_mu])


def _observe(t, y, y0, p: Params, inputs) -> dict[str, jnp.ndarray]:
    s = rankl_opg(y[I_OBP], y[I_OBA], y[I_DMAB], p, factors(t, p, inputs))
    resorption = jnp.maximum(y[I_OCA] / y0[I_OCA], 0.0)
    formation = jnp.maximum(y[I_FORM] / y0[I_FORM], 0.0)
    ctx = (resorption ** p["q_ctx"] + p["b_ctx"]) / (1.0 + p["b_ctx"])
    p1np, bsap, oc = formation ** p["q_p1np"], formation ** p["q_bsap"], formation ** p["q_oc"]
    rankl, opg = p["rankl0"] * s["RANKL"] / p["RANKL0"], p["opg0"] * s["OPG"] / p["OPG0"]
    levels = arm_cytokines(t, p, inputs)
    serum = {f"{c}_rel": levels[c] / p[f"{c}_ref"] for c in cytokines.CYTOKINES}
    out = {}
    for site in SITES:
        rel = y[I_V[site]] * y[I_MU[site]] / (y0[I_V[site]] * y0[I_MU[site]])
        out[f"bmd_{site}"], out[f"bmd_{site}_rel"] = p[f"bmd_{site}0"] * rel, rel
    return {
        **out, "ctx": p["ctx0"] * ctx, "ctx_rel": p["ctx_rel_scale"] * ctx, "p1np": p["p1np0"] * p1np,
        "p1np_rel": p["p1np_rel_scale"] * p1np, "bsap": p["bsap0"] * bsap, "bsap_rel": p["bsap_rel_scale"] * bsap, "rankl": rankl, "opg": opg, "opg_rankl": opg / rankl,
        "denosumab": y[I_DMAB] / NG_PER_ML_TO_PM, "resorption_rel": resorption, "formation_rel": formation,
        "osteocalcin_rel": oc, "ctx_oc_ratio_rel": ctx / oc, "rankl_rel": s["RANKL"] / p["RANKL0"],
        "opg_rel": s["OPG"] / p["OPG0"], **serum, "crp_rel": serum["il6_rel"] ** p["q_crp"],
    }


def _auxiliaries(t, y, p: Params, inputs) -> dict[str, jnp.ndarray]:
    fac = factors(t, p, inputs)
    s = rankl_opg(y[I_OBP], y[I_OBA], y[I_DMAB], p, fac)
    levels = arm_cytokines(t, p, inputs)
    return {"TGFb": y[I_OCA], "RANKL": s["RANKL"], "OPG": s["OPG"], "pi_RANKL": s["pi_RANKL"],
            **{f"factor_{k}": v for k, v in fac.items()},
            **{f"{c}_effective": levels[c] for c in cytokines.CYTOKINES}}


BONE_INFLAMMATION_V2 = Model(
    name="bone_inflammation_v2",
    description=(
        "Pivonka-type core with an osteoclast-precursor pool, fast osteoclast removal, RANKL proportional to "
        "expression, saturable denosumab PK, exogenous PTH and teriparatide, cytokine arms (TNF-alpha, IL-1beta, "
        "IL-6), integrated bone balance with mineralisation at three sites, CTX/P1NP/BSAP as power laws of fluxes"
    ),
    states=STATES,
    state_units=("pM", "pM", "pM", "pM", "pM") + ("1",) * 7,
    state_scales=(1.0, 1.0, 1.0, 1.0, 1e4) + (1.0,) * 7,
    parameters=PARAMETERS,
    inputs=INPUTS,
    observables=OBSERVABLES,
    vector_field=_vector_field,
    initial_state=_initial_state,
    prepare=_prepare,
    observe=_observe,
    auxiliaries=_auxiliaries,
    reference="Pivonka 2008; Joerg 2022; Martinez-Reina & Pivonka 2019/2022; Marathe 2008; docs/model.md",
)
