"""Inflammatory cytokines (TNF-alpha, IL-1, IL-6) acting on the Pivonka core.

Each cytokine level C (pg/mL) acts through H(C) = C / (C + EC50) on four arms
(docs/model.md, "Cytokines"): RANKL production (``rankl``), OPG production (``opg``,
divided), the osteoblast lineage (``ob``: D_OBu divided and A_OBa multiplied) and,
optionally, osteoclast precursors (``ocp``). The factor for arm a is

    f_a(C) = (1 + E_a H(C)) / (1 + E_a H(C_ref)),

exactly 1 at the healthy reference level C_ref (so the healthy model is the
published one), above 1 when inflamed, and positive for every C >= 0.
"""

from __future__ import annotations

from collections.abc import Mapping

import jax.numpy as jnp

from ..model.base import Parameter, Params

CYTOKINES: tuple[str, ...] = ("tnf", "il1", "il6")
ARMS: tuple[str, ...] = ("rankl", "opg", "ob", "ocp")
ARM_TEXT = {
    "rankl": "raises RANKL production (R_RANKL multiplied)",
    "opg": "lowers OPG production (beta_OPG divided)",
    "ob": "impairs osteoblasts (D_OBu divided, A_OBa multiplied)",
    "ocp": "primes osteoclast precursors (D_OCp multiplied)",
}
LONG_NAME = {"tnf": "TNF-alpha", "il1": "IL-1beta", "il6": "IL-6"}

# Healthy reference levels (pg/mL). IL-6 about 5 pg/mL in healthy adults (docs/model.md);
# TNF-alpha and IL-1beta references are assumed order-of-magnitude healthy serum levels.
REFERENCE = {"tnf": 5.0, "il1": 1.0, "il6": 5.0}
EC50 = {"tnf": 20.0, "il1": 5.0, "il6": 25.0}
# Effect strengths: chosen so that RA-like levels (TNF 23, IL-6 30 pg/mL) give a loss of a
# few per cent of lumbar-spine BMD a year with CTX up and P1NP down (calibrate them).
EFFECT = {
    ("tnf", "rankl"): 1.0, ("tnf", "opg"): 0.5, ("tnf", "ob"): 0.5, ("tnf", "ocp"): 0.0,
    ("il1", "rankl"): 0.5, ("il1", "opg"): 0.3, ("il1", "ob"): 0.3, ("il1", "ocp"): 0.0,
    ("il6", "rankl"): 0.5, ("il6", "opg"): 0.2, ("il6", "ob"): 0.2, ("il6", "ocp"): 0.0,
}
ASSUMED = "assumed default (see cytokines.py); calibrate against data"


def parameters(effect: Mapping[tuple[str, str], float] = EFFECT, arm_text: Mapping[str, str] = ARM_TEXT,
               effect_source: str = ASSUMED) -> tuple[Parameter, ...]:
    """Reference level, EC50 and the four arm effects of every cytokine (a model on another core
    passes its own effect defaults, arm descriptions and their source)."""
    out: list[Parameter] = []
    for c in CYTOKINES:
        src = "healthy IL-6 about 5 pg/mL (docs/model.md)" if c == "il6" else ASSUMED
        out.append(Parameter(f"{c}_ref", REFERENCE[c], "pg/mL", f"healthy reference level of {LONG_NAME[c]}", src, group="cytokine"))
        out.append(Parameter(f"{c}_ec50", EC50[c], "pg/mL", f"half-saturating level of {LONG_NAME[c]}", ASSUMED, group="cytokine"))
        for arm in ARMS:
            out.append(
                Parameter(
                    f"{c}_e_{arm}", effect[(c, arm)], "1", f"maximal effect of {LONG_NAME[c]} that {arm_text[arm]}",
                    effect_source, positive=False, lower=0.0, upper=100.0, group="cytokine",
                )
            )
    return tuple(out)


def saturation(level: jnp.ndarray, ec50: jnp.ndarray) -> jnp.ndarray:
    return level / (level + ec50)


def arm_factor(level, p: Params, cytokine: str, arm: str) -> jnp.ndarray:
    """f_arm(C) for one cytokine: 1 at the reference level."""
    e = p[f"{cytokine}_e_{arm}"]
    ec50 = p[f"{cytokine}_ec50"]
    return (1.0 + e * saturation(level, ec50)) / (1.0 + e * saturation(p[f"{cytokine}_ref"], ec50))


def arm_factors(levels: dict[str, jnp.ndarray], p: Params) -> dict[str, jnp.ndarray]:
    """Product over cytokines of each arm's factor.

    A running product of :func:`arm_factor`, each exactly 1 at its reference level (so a cytokine
    at its reference is exactly inert, whatever its effect parameters), not
    ``jnp.prod(jnp.stack(...))``, whose derivative rule pads and concatenates and so splits the
    forward-mode right-hand side into many small kernels."""
    out = {}
    for arm in ARMS:
        factors = [arm_factor(levels[c], p, c, arm) for c in CYTOKINES]
        product = factors[0]
        for factor in factors[1:]:
            product = product * factor
        out[arm] = product
    return out
