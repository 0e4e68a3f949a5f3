"""Pivonka et al. 2008 (Bone 43:249) bone-cell population model.

States (pM): OBp (osteoblast precursors), OBa (active osteoblasts), OCa (active
osteoclasts). TGF-beta equals OCa (released by resorption); PTH is systemic
(beta_PTH / Dt_PTH); RANKL is expressed on OBp, OPG produced by OBa. Default values
are those of the authors' group's public code (package ``bone-models``), which
correct errors in the printed table (docs/model.md, "The Pivonka 2008 core").

The functions here take multiplicative ``Modifiers`` so the inflammation model
(``bone/inflammation.py``) reuses them unchanged; with the neutral modifiers they are the
published model. The input ``pth_infusion`` (pM/day) is the paper's PTH dosage P_PTH,d, added to
the systemic production: PTH = (beta_PTH + P_PTH,d) / Dt_PTH (0 without a schedule).
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from .base import Model, Observable, Parameter, Params
from .pth import PTH_INFUSION, infusion
from .steady import positive_root

SRC = "Pivonka et al. 2008, Bone 43:249; values from the authors' group's code (bone-models)"

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("D_OBu", 7e-4, "pM/d", "differentiation rate of uncommitted osteoblast progenitors", SRC),
    Parameter("D_OBp", 0.2674077909527713, "1/d", "differentiation rate of osteoblast precursors", SRC),
    Parameter("A_OBa", 0.189, "1/d", "apoptosis rate of active osteoblasts", SRC),
    Parameter("D_OCp", 2.1e-3, "pM/d", "differentiation rate of osteoclast precursors", SRC),
    Parameter("A_OCa", 0.7, "1/d", "apoptosis rate of active osteoclasts", SRC),
    Parameter("K_D1", 4.545454545e-3, "pM", "TGF-beta activation of OBu (half-saturation)", SRC),
    Parameter("K_D2", 1.415624254e-3, "pM", "TGF-beta repression of OBp (half-saturation)", SRC),
    Parameter("K_D3", 4.545454545e-3, "pM", "TGF-beta activation of OCa apoptosis (half-saturation)", SRC),
    Parameter("K_D4", 150.0, "pM", "PTH activation of RANKL production (half-saturation)", SRC),
    Parameter("K_D6", 0.2225814277, "pM", "PTH repression of OPG production (half-saturation)", SRC),
    Parameter("beta_PTH", 250.0, "pM/d", "systemic PTH production", SRC),
    Parameter("Dt_PTH", 86.0, "1/d", "PTH degradation rate", SRC),
    Parameter("beta_OPG", 1.624900337835679e8, "1/d", "OPG production per active osteoblast", SRC),
    Parameter("OPG_max", 2e8, "pM", "maximum OPG concentration", SRC),
    Parameter("Dt_OPG", 0.35, "1/d", "OPG degradation rate", SRC),
    Parameter("R_RANKL", 2.703476379131062e6, "1", "maximum RANKL per osteoblast precursor", SRC),
    Parameter("beta_RANKL", 168.4195714712206, "pM/d", "RANKL production rate", SRC),
    Parameter("Dt_RANKL", 10.132471014805027, "1/d", "RANKL degradation rate", SRC),
    Parameter("K_A1", 1e-3, "1/pM", "RANKL-OPG association constant", SRC),
    Parameter("K_A2", 3.411764705882353e-2, "1/pM", "RANKL-RANK association constant", SRC),
    Parameter("RANK", 10.0, "pM", "RANK concentration on osteoclast precursors", SRC),
    Parameter("K_D8", 4.457452802710724, "pM", "RANKL-RANK activation of OCp (half-saturation)", SRC),
)


class Modifiers(NamedTuple):
    """Multiplicative changes to the core rates (all 1, decoy 0: the published model)."""

    rankl: jnp.ndarray = 1.0  # R_RANKL multiplier
    opg: jnp.ndarray = 1.0  # beta_OPG multiplier
    obu: jnp.ndarray = 1.0  # D_OBu multiplier
    oba_apoptosis: jnp.ndarray = 1.0  # A_OBa multiplier
    ocp: jnp.ndarray = 1.0  # D_OCp multiplier
    decoy: jnp.ndarray = 0.0  # extra RANKL decoy binding, K_A * concentration (e.g. denosumab)
    pth: jnp.ndarray = 0.0  # exogenous PTH production P_PTH,d (pM/day), added to beta_PTH


NEUTRAL = Modifiers()


def signalling(OBp, OBa, OCa, p: Params, m: Modifiers = NEUTRAL) -> dict[str, jnp.ndarray]:
    """TGF-beta, PTH, OPG, RANKL and the activation/repression functions."""
    tgf = OCa
    pth = (p["beta_PTH"] + m.pth) / p["Dt_PTH"]
    pi_act_pth = pth / (pth + p["K_D4"])
    pi_rep_pth = p["K_D6"] / (pth + p["K_D6"])
    p_opg = p["beta_OPG"] * m.opg * OBa * pi_rep_pth
    opg = p_opg * p["OPG_max"] / (p_opg + p["Dt_OPG"] * p["OPG_max"])
    rankl_eff = p["R_RANKL"] * m.rankl * OBp * pi_act_pth
    rankl = (
        rankl_eff
        / (1.0 + p["K_A1"] * opg + p["K_A2"] * p["RANK"] + m.decoy)
        * p["beta_RANKL"]
        / (p["beta_RANKL"] + p["Dt_RANKL"] * rankl_eff)
    )
    occupancy = p["K_A2"] * rankl * p["RANK"]
    return {
        "TGFb": tgf,
        "PTH": pth,
        "OPG": opg,
        "RANKL": rankl,
        "pi_act_OBu": tgf / (tgf + p["K_D1"]),
        "pi_rep_OBp": p["K_D2"] / (tgf + p["K_D2"]),
        "pi_act_OCa": tgf / (tgf + p["K_D3"]),
        "pi_act_OCp": occupancy / (occupancy + p["K_D8"]),
    }


def cell_derivatives(OBp, OBa, OCa, p: Params, m: Modifiers = NEUTRAL) -> tuple[jnp.ndarray, ...]:
    """d(OBp, OBa, OCa)/dt."""
    s = signalling(OBp, OBa, OCa, p, m)
    obp_to_oba = p["D_OBp"] * OBp * s["pi_rep_OBp"]
    d_obp = p["D_OBu"] * m.obu * s["pi_act_OBu"] - obp_to_oba
    d_oba = obp_to_oba - p["A_OBa"] * m.oba_apoptosis * OBa
    d_oca = p["D_OCp"] * m.ocp * s["pi_act_OCp"] - p["A_OCa"] * OCa * s["pi_act_OCa"]
    return d_obp, d_oba, d_oca


def steady_cells(p: Params, m: Modifiers = NEUTRAL) -> jnp.ndarray:
    """Steady state (OBp, OBa, OCa), reduced to one equation in OCa and solved differentiably."""

    def osteoblasts(oca):
        tgf = oca
        supply = p["D_OBu"] * m.obu * tgf / (tgf + p["K_D1"])
        obp = supply / (p["D_OBp"] * p["K_D2"] / (tgf + p["K_D2"]))
        oba = supply / (p["A_OBa"] * m.oba_apoptosis)
        return obp, oba

    def residual(oca):
        obp, oba = osteoblasts(oca)
        return cell_derivatives(obp, oba, oca, p, m)[2]

    oca = positive_root(residual)
    obp, oba = osteoblasts(oca)
    return jnp.stack([obp, oba, oca])


def _modifiers(t, inputs) -> Modifiers:
    return Modifiers(pth=infusion(inputs, t))


def _vector_field(t, y, p, inputs):
    return jnp.stack(cell_derivatives(y[0], y[1], y[2], p, _modifiers(t, inputs)))


def _initial_state(p, inputs):
    return steady_cells(p)


def _observe(t, y, y0, p, inputs):
    s = signalling(y[0], y[1], y[2], p, _modifiers(t, inputs))
    return {
        "OBp": y[0],
        "OBa": y[1],
        "OCa": y[2],
        "RANKL": s["RANKL"],
        "OPG": s["OPG"],
        "OPG_RANKL": s["OPG"] / s["RANKL"],
    }


def _auxiliaries(t, y, p, inputs):
    s = signalling(y[0], y[1], y[2], p, _modifiers(t, inputs))
    return {k: s[k] for k in ("TGFb", "PTH", "RANKL", "OPG")}


PIVONKA_2008 = Model(
    name="pivonka2008",
    description="Pivonka et al. 2008 bone-cell population model (OBp, OBa, OCa; RANKL-RANK-OPG, TGF-beta, PTH)",
    states=("OBp", "OBa", "OCa"),
    state_units=("pM", "pM", "pM"),
    parameters=PARAMETERS,
    inputs=(PTH_INFUSION,),
    vector_field=_vector_field,
    initial_state=_initial_state,
    observe=_observe,
    auxiliaries=_auxiliaries,
    observables=(
        Observable("OBp", "pM", "osteoblast precursors"),
        Observable("OBa", "pM", "active osteoblasts"),
        Observable("OCa", "pM", "active osteoclasts"),
        Observable("RANKL", "pM", "free RANKL in the bone microenvironment"),
        Observable("OPG", "pM", "OPG in the bone microenvironment"),
        Observable("OPG_RANKL", "1", "OPG:RANKL ratio in the bone microenvironment"),
    ),
    reference="Pivonka P. et al. (2008) Bone 43(2):249-263, doi:10.1016/j.bone.2008.03.025",
)
