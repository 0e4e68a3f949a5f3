"""The mission model: Pivonka 2008 + cytokines + treatments + BMD + turnover markers.

States: OBp, OBa, OCa (pM); ``denosumab`` (serum, pM); ``formation`` (formation-marker
effect compartment, 1 at baseline); ``bmd_ls`` and ``bmd_th`` (lumbar-spine and
total-hip BMD relative to baseline). The initial state is the healthy steady state
(every input at its reference, no drug), computed by a differentiable root-find.

BMD is an indirect response (Peterson & Riggs 2010 form; docs/model.md):
    db/dt = k_out ((OBa/OBa0)^g_f - (OCa/OCa0)^g_r b),
steady at 1 in health, below 1 when resorption outpaces formation.
Markers: CTX proportional to OCa/OCa0; P1NP and BSAP to the formation compartment,
which follows OBa/OBa0 with rate ``k_form``; serum RANKL and OPG proportional to
their bone-microenvironment values relative to baseline (the microenvironment
concentrations are not serum levels).
"""

from __future__ import annotations

import jax.numpy as jnp

from ..model import pivonka
from ..model.base import Input, Model, Observable, Parameter, Params
from ..model.drugs import after_doses, amounts_at, mg_to_pmol
from ..model.inputs import level_at
from . import cytokines

DENOSUMAB_KDA = 147.0
ANTIBODY_KDA = 148.0
PK_SRC = "order of magnitude of published population PK; calibrate (clinical fit)"
BMD_SRC = "Peterson & Riggs 2010 / OpenBoneMin (0.000397/h = 9.5e-3/d; gamma_OB 0.0793, gamma_OC 0.14)"
HIP_SRC = "assumed: slower, smaller total-hip response than spine; calibrate (McClung 2006 arms)"
MARKER_SRC = "typical adult serum level (assumed scale factor)"


def _drug_parameters(prefix: str, label: str, ka, f, v, ke, potency, potency_unit, potency_text) -> list[Parameter]:
    g = "drug"
    return [
        Parameter(f"{prefix}_ka", ka, "1/d", f"{label}: first-order SC absorption rate", PK_SRC, group=g),
        Parameter(f"{prefix}_F", f, "1", f"{label}: SC bioavailability", PK_SRC, upper=1.0, group=g),
        Parameter(f"{prefix}_V", v, "L", f"{label}: central volume", PK_SRC, group=g),
        Parameter(f"{prefix}_kel", ke, "1/d", f"{label}: linear elimination rate", PK_SRC, group=g),
        Parameter(f"{prefix}_{potency[0]}", potency[1], potency_unit, f"{label}: {potency_text}", PK_SRC, group=g),
    ]


PARAMETERS: tuple[Parameter, ...] = (
    pivonka.PARAMETERS
    + cytokines.parameters()
    + tuple(
        _drug_parameters("dmab", "denosumab", 0.17, 0.64, 3.0, 0.015, ("kA", 0.05), "1/pM",
                         "RANKL binding (decoy) constant in bone, like K_A1 for OPG")
        + [
            Parameter("dmab_vmax", 100.0, "pM/d", "denosumab: saturable elimination capacity", PK_SRC, group="drug"),
            Parameter("dmab_km", 1000.0, "pM", "denosumab: saturable elimination half-saturation", PK_SRC, group="drug"),
        ]
        + _drug_parameters("atnf", "anti-TNF (adalimumab-like)", 0.3, 0.64, 6.0, 0.05, ("ic50", 3000.0), "pM",
                           "concentration halving effective TNF-alpha")
        + _drug_parameters("ail6", "anti-IL-6 (tocilizumab-like)", 0.2, 0.8, 6.4, 0.05, ("ic50", 10000.0), "pM",
                           "concentration halving effective IL-6")
    )
    + (
        Parameter("k_form", 0.03, "1/d", "rate at which formation markers follow OBa/OBa0 (lag)", "assumed", group="marker"),
        Parameter("ctx0", 0.4, "ng/mL", "serum CTX at baseline (scale of CTX)", MARKER_SRC, group="marker"),
        Parameter("p1np0", 45.0, "ng/mL", "serum P1NP at baseline (scale of P1NP)", MARKER_SRC, group="marker"),
        Parameter("bsap0", 12.0, "ug/L", "serum BSAP at baseline (scale of BSAP)", MARKER_SRC, group="marker"),
        Parameter("rankl0", 0.3, "pmol/L", "serum free RANKL at baseline (scale)", MARKER_SRC, group="marker"),
        Parameter("opg0", 4.0, "pmol/L", "serum OPG at baseline (scale)", MARKER_SRC, group="marker"),
        Parameter("bmd_ls0", 1.0, "g/cm2", "lumbar-spine BMD at baseline", "typical adult value", group="bmd"),
        Parameter("bmd_th0", 0.9, "g/cm2", "total-hip BMD at baseline", "typical adult value", group="bmd"),
        Parameter("kout_ls", 9.5e-3, "1/d", "lumbar-spine BMD turnover rate", BMD_SRC, group="bmd"),
        Parameter("gf_ls", 0.0793, "1", "lumbar spine: exponent of formation (OBa/OBa0)", BMD_SRC, group="bmd"),
        Parameter("gr_ls", 0.14, "1", "lumbar spine: exponent of resorption (OCa/OCa0)", BMD_SRC, group="bmd"),
        Parameter("kout_th", 5e-3, "1/d", "total-hip BMD turnover rate", HIP_SRC, group="bmd"),
        Parameter("gf_th", 0.03, "1", "total hip: exponent of formation (OBa/OBa0)", HIP_SRC, group="bmd"),
        Parameter("gr_th", 0.055, "1", "total hip: exponent of resorption (OCa/OCa0)", HIP_SRC, group="bmd"),
    )
)

INPUTS: tuple[Input, ...] = (
    Input("tnf", "level", "pg/mL", "serum TNF-alpha level", reference="tnf_ref"),
    Input("il1", "level", "pg/mL", "serum IL-1beta level", reference="il1_ref"),
    Input("il6", "level", "pg/mL", "serum IL-6 level", reference="il6_ref"),
    Input("denosumab_mg", "dose", "mg", "denosumab subcutaneous doses"),
    Input("anti_tnf_mg", "dose", "mg", "anti-TNF antibody subcutaneous doses (adalimumab-like)"),
    Input("anti_il6_mg", "dose", "mg", "anti-IL-6R antibody subcutaneous doses (tocilizumab-like)"),
)

REL = "relative to baseline (1 at t = 0)"


def serum_observables(ctx: str, p1np: str, bsap: str) -> tuple[Observable, ...]:
    """The serum observables of the bone models: CTX, P1NP and BSAP (absolute and relative to
    baseline; ``ctx``, ``p1np``, ``bsap`` say how each follows the model), free RANKL, OPG, their
    ratio and denosumab."""
    return (
        Observable("ctx", "ng/mL", f"serum CTX (resorption), {ctx}", scale_parameter="ctx0"),
        Observable("ctx_rel", "1", f"serum CTX {REL}"),
        Observable("p1np", "ng/mL", f"serum P1NP (formation), {p1np}", scale_parameter="p1np0"),
        Observable("p1np_rel", "1", f"serum P1NP {REL}"),
        Observable("bsap", "ug/L", f"serum BSAP (formation), {bsap}", scale_parameter="bsap0"),
        Observable("bsap_rel", "1", f"serum BSAP {REL}"),
        Observable("rankl", "pmol/L", "serum free RANKL, rankl0 * RANKL/RANKL0", scale_parameter="rankl0"),
        Observable("opg", "pmol/L", "serum OPG, opg0 * OPG/OPG0", scale_parameter="opg0"),
        Observable("opg_rankl", "1", "serum OPG:RANKL ratio (opg / rankl)"),
        Observable("denosumab", "ng/mL", "serum denosumab concentration"),
    )


OBSERVABLES: tuple[Observable, ...] = (
    Observable("bmd_ls", "g/cm2", "lumbar-spine BMD (DXA)", scale_parameter="bmd_ls0"),
    Observable("bmd_th", "g/cm2", "total-hip BMD (DXA)", scale_parameter="bmd_th0"),
    Observable("bmd_ls_rel", "1", f"lumbar-spine BMD {REL}"),
    Observable("bmd_th_rel", "1", f"total-hip BMD {REL}"),
) + serum_observables("ctx0 * OCa/OCa0", "p1np0 * formation", "bsap0 * formation")

ANTI_CYTOKINES = (("tnf", "anti_tnf_mg", "atnf"), ("il6", "anti_il6_mg", "ail6"))
STATES = ("OBp", "OBa", "OCa", "denosumab", "formation", "bmd_ls", "bmd_th")
PM_TO_NG_PER_ML = DENOSUMAB_KDA * 1e3 * 1e-12 * 1e6  # pmol/L * g/mol -> ng/mL


def effective_cytokines(t, p: Params, inputs) -> dict[str, jnp.ndarray]:
    """Cytokine levels at ``t`` after anti-cytokine treatment (pg/mL)."""
    levels = {c: level_at(inputs, c, t, p[f"{c}_ref"]) for c in cytokines.CYTOKINES}
    for cytokine, drug, prefix in ANTI_CYTOKINES:
        if drug in inputs:
            _, absorbed = amounts_at(inputs[drug], p[f"{prefix}_after"], t, *sc_pk(p, prefix))
            conc = mg_to_pmol(absorbed, ANTIBODY_KDA) / p[f"{prefix}_V"]
            levels[cytokine] = levels[cytokine] * p[f"{prefix}_ic50"] / (p[f"{prefix}_ic50"] + conc)
    return levels


def modifiers(t, y, p: Params, inputs) -> pivonka.Modifiers:
    f = cytokines.arm_factors(effective_cytokines(t, p, inputs), p)
    return pivonka.Modifiers(
        rankl=f["rankl"], opg=1.0 / f["opg"], obu=1.0 / f["ob"], oba_apoptosis=f["ob"], ocp=f["ocp"],
        decoy=p["dmab_kA"] * y[3],
    )


def sc_pk(p: Params, prefix: str) -> tuple:
    """(ka, ke, F) of a subcutaneous antibody; denosumab's linear part only (its central is a state)."""
    ke = 0.0 if prefix == "dmab" else p[f"{prefix}_kel"]
    return p[f"{prefix}_ka"], ke, p[f"{prefix}_F"]


def _prepare(p: Params, inputs) -> Params:
    cells = pivonka.steady_cells(p)
    s = pivonka.signalling(cells[0], cells[1], cells[2], p)
    out = {**p, "OBp0": cells[0], "OBa0": cells[1], "OCa0": cells[2], "RANKL0": s["RANKL"], "OPG0": s["OPG"]}
    for _, drug, prefix in ANTI_CYTOKINES + (("", "denosumab_mg", "dmab"),):
        if drug in inputs:  # depot/central amounts after each dose: O(1) PK per right-hand side
            out[f"{prefix}_after"] = after_doses(inputs[drug], *sc_pk(p, prefix))
    return out


def _initial_state(p: Params, inputs) -> jnp.ndarray:
    one = jnp.ones_like(p["OCa0"])
    return jnp.stack([p["OBp0"], p["OBa0"], p["OCa0"], 0.0 * one, one, one, one])


def _vector_field(t, y, p: Params, inputs) -> jnp.ndarray:
    m = modifiers(t, y, p, inputs)
    d_obp, d_oba, d_oca = pivonka.cell_derivatives(y[0], y[1], y[2], p, m)
    absorption = 0.0
    if "denosumab_mg" in inputs:
        depot_mg, _ = amounts_at(inputs["denosumab_mg"], p["dmab_after"], t, *sc_pk(p, "dmab"))
        absorption = p["dmab_ka"] * p["dmab_F"] * mg_to_pmol(depot_mg, DENOSUMAB_KDA) / p["dmab_V"]
    dmab = y[3]
    d_dmab = absorption - p["dmab_kel"] * dmab - p["dmab_vmax"] * dmab / (p["dmab_km"] + dmab)
    formation = jnp.maximum(y[1] / p["OBa0"], 1e-12)
    resorption = jnp.maximum(y[2] / p["OCa0"], 1e-12)
    d_form = p["k_form"] * (formation - y[4])
    d_ls = p["kout_ls"] * (formation ** p["gf_ls"] - resorption ** p["gr_ls"] * y[5])
    d_th = p["kout_th"] * (formation ** p["gf_th"] - resorption ** p["gr_th"] * y[6])
    return jnp.stack([d_obp, d_oba, d_oca, d_dmab, d_form, d_ls, d_th])


def _signalling(t, y, p, inputs):
    return pivonka.signalling(y[0], y[1], y[2], p, modifiers(t, y, p, inputs))


def _observe(t, y, y0, p: Params, inputs) -> dict[str, jnp.ndarray]:
    s = _signalling(t, y, p, inputs)
    ctx_rel = y[2] / y0[2]
    rankl = p["rankl0"] * s["RANKL"] / p["RANKL0"]
    opg = p["opg0"] * s["OPG"] / p["OPG0"]
    return {
        "bmd_ls": p["bmd_ls0"] * y[5],
        "bmd_th": p["bmd_th0"] * y[6],
        "bmd_ls_rel": y[5] / y0[5],
        "bmd_th_rel": y[6] / y0[6],
        "ctx": p["ctx0"] * ctx_rel,
        "ctx_rel": ctx_rel,
        "p1np": p["p1np0"] * y[4],
        "p1np_rel": y[4] / y0[4],
        "bsap": p["bsap0"] * y[4],
        "bsap_rel": y[4] / y0[4],
        "rankl": rankl,
        "opg": opg,
        "opg_rankl": opg / rankl,
        "denosumab": y[3] * PM_TO_NG_PER_ML,
    }


def _auxiliaries(t, y, p: Params, inputs) -> dict[str, jnp.ndarray]:
    s = _signalling(t, y, p, inputs)
    levels = effective_cytokines(t, p, inputs)
    return {
        "TGFb": s["TGFb"], "PTH": s["PTH"], "RANKL": s["RANKL"], "OPG": s["OPG"],
        **{f"{c}_effective": levels[c] for c in cytokines.CYTOKINES},
    }


BONE_INFLAMMATION = Model(
    name="bone_inflammation",
    description=(
        "Pivonka 2008 core with TNF-alpha/IL-1/IL-6 acting on RANKL, OPG, osteoblasts and osteoclast "
        "precursors; denosumab, anti-TNF and anti-IL-6 treatment; lumbar-spine and total-hip BMD; "
        "CTX, P1NP, BSAP, serum RANKL, OPG and OPG:RANKL"
    ),
    states=STATES,
    state_units=("pM", "pM", "pM", "pM", "1", "1", "1"),
    state_scales=(1.0, 1.0, 1.0, 1e4, 1.0, 1.0, 1.0),
    parameters=PARAMETERS,
    inputs=INPUTS,
    observables=OBSERVABLES,
    vector_field=_vector_field,
    initial_state=_initial_state,
    prepare=_prepare,
    observe=_observe,
    auxiliaries=_auxiliaries,
    reference="Pivonka et al. 2008; cytokine arms docs/model.md; BMD Peterson & Riggs 2010",
)
