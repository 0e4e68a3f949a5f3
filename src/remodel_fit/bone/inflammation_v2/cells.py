"""Cell populations of ``bone_inflammation_v2``: osteoblast lineage (Pivonka 2008), an
osteoclast-precursor pool (Joerg et al. 2022; Martinez-Reina & Pivonka 2022) and active
osteoclasts with fast removal and RANKL-dependent survival; the healthy steady state.
"""

from __future__ import annotations

from collections.abc import Mapping

import jax.numpy as jnp

from ...model.base import Params
from ...model.steady import positive_root
from .signals import baseline_factors, rankl_opg, tgf_terms


def pool_rates(p: Params) -> dict[str, jnp.ndarray]:
    """D_OBu, P_OCp, k_OCp, A_OCp from the interpretable pool coordinates.

    The steady state sits at OCa = ``oca_ref`` with osteoblast supply ``obu_supply_ref``; a fraction
    ``phi`` of the precursors differentiates at baseline (the rest is lost at A_OCp) and they stay
    ``tau`` days in the pool: phi = k_OCp pi_L0/(k_OCp pi_L0 + A_OCp), tau = 1/(k_OCp pi_L0 + A_OCp)."""
    oca, supply = p["oca_ref"], p["obu_supply_ref"]
    act_obu, rep_obp, act_oca = tgf_terms(oca, p)
    obp = supply / (p["D_OBp"] * rep_obp)
    oba = supply / p["A_OBa"]
    pi0 = rankl_opg(obp, oba, 0.0, p, baseline_factors(p))["pi_RANKL"]
    flux = p["A_OCa"] * act_oca * oca
    return {"D_OBu": supply / act_obu, "P_OCp": flux / p["phi"], "k_OCp": p["phi"] / (p["tau"] * pi0),
            "A_OCp": (1.0 - p["phi"]) / p["tau"]}


def cell_derivatives(OBp, OBa, OCp, OCa, dmab, p: Params, fac: Mapping) -> tuple[jnp.ndarray, ...]:
    """d(OBp, OBa, OCp, OCa)/dt; ``p`` prepared (pool rates, pi_RANKL0 and OBp0 of the steady state)."""
    act_obu, rep_obp, act_oca = tgf_terms(OCa, p)
    pi_rankl = rankl_opg(OBp, OBa, dmab, p, fac)["pi_RANKL"]
    obp_to_oba = p["D_OBp"] * rep_obp * OBp
    d_obp = p["D_OBu"] * fac["obu_pth"] / fac["ob"] * act_obu - obp_to_oba
    d_oba = obp_to_oba - p["A_OBa"] * fac["ob"] / fac["oba_pth"] * OBa
    differentiation = p["k_OCp"] * pi_rankl * OCp
    influx = p["P_OCp"] * fac["ocp"] * fac["ocp_pth"] * (OBp / p["OBp0"]) ** p["w_mcsf"]
    d_ocp = influx - differentiation - p["A_OCp"] * OCp
    survival = (1.0 + p["e_surv"]) / (1.0 + p["e_surv"] * pi_rankl / p["pi_RANKL0"])
    d_oca = differentiation - p["A_OCa"] * act_oca * survival * OCa
    return d_obp, d_oba, d_ocp, d_oca


def _explicit(oca, p: Params, fac: Mapping):
    """OBp, OBa, OCp and pi_RANKL at the steady state with OCa = ``oca``."""
    act_obu, rep_obp, _ = tgf_terms(oca, p)
    supply = p["D_OBu"] * fac["obu_pth"] / fac["ob"] * act_obu
    obp = supply / (p["D_OBp"] * rep_obp)
    oba = supply / (p["A_OBa"] * fac["ob"] / fac["oba_pth"])
    pi = rankl_opg(obp, oba, 0.0, p, fac)["pi_RANKL"]
    ocp = p["P_OCp"] * fac["ocp"] * fac["ocp_pth"] / (p["k_OCp"] * pi + p["A_OCp"])
    return obp, oba, ocp, pi


def steady_cells(p: Params) -> jnp.ndarray:
    """Healthy steady (OBp, OBa, OCp, OCa) without denosumab: one equation in OCa solved by the
    differentiable root-find. At this state pi_RANKL and OBp are their own references, so the
    survival and influx-coupling factors are exactly 1; ``p`` needs the pool rates."""
    fac = baseline_factors(p)

    def residual(oca):
        _, _, ocp, pi = _explicit(oca, p, fac)
        return p["k_OCp"] * pi * ocp - p["A_OCa"] * tgf_terms(oca, p)[2] * oca

    oca = positive_root(residual, lower=1e-12, upper=1e3, iterations=90)
    obp, oba, ocp, _ = _explicit(oca, p, fac)
    return jnp.stack([obp, oba, ocp, oca])
