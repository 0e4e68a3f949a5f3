"""Lemaire et al. 2004 (J Theor Biol 229:293) bone-cell model.

States (pM): R (responding osteoblasts), B (active osteoblasts), C (active osteoclasts).
Unlike Pivonka 2008, RANKL is on active osteoblasts and OPG comes from responding
osteoblasts. Parameter values as printed in the paper (Table 1). The input ``pth_infusion``
(pM/day) is the paper's PTH injection I_P; its receptor occupancy is the paper's quasi-steady form

    pi_P = (I_P/k_P + S_P/k_P) / (I_P/k_P + k_6/k_5),

the injected part in numerator and denominator, the endogenous part in the numerator only (this
form reproduces the published 4.04-fold osteoclast peak; tests/test_core_pth.py). The other
injection terms of the paper (I_L, I_O, and so r_L) are zero here and omitted.
"""

from __future__ import annotations

import jax.numpy as jnp

from .base import Model, Observable, Parameter, Params
from .pth import PTH_INFUSION, infusion
from .steady import positive_root

SRC = "Lemaire et al. 2004, J Theor Biol 229:293, Table 1"

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("C_s", 5e-3, "pM", "osteoclast concentration at half-maximal TGF-beta effect", SRC),
    Parameter("D_A", 0.7, "1/d", "osteoclast apoptosis rate by TGF-beta", SRC),
    Parameter("d_B", 0.7, "1/d", "differentiation rate of responding osteoblasts", SRC),
    Parameter("D_C", 2.1e-3, "pM/d", "differentiation rate of osteoclast precursors", SRC),
    Parameter("D_R", 7e-4, "pM/d", "differentiation rate of osteoblast progenitors", SRC),
    Parameter("f_0", 0.05, "1", "fixed proportion", SRC, upper=1.0),
    Parameter("K", 10.0, "pM", "fixed concentration of RANK", SRC),
    Parameter("k_1", 1e-2, "1/(pM d)", "rate of OPG-RANKL binding", SRC),
    Parameter("k_2", 10.0, "1/d", "rate of OPG-RANKL unbinding", SRC),
    Parameter("k_3", 5.8e-4, "1/(pM d)", "rate of RANK-RANKL binding", SRC),
    Parameter("k_4", 1.7e-2, "1/d", "rate of RANK-RANKL unbinding", SRC),
    Parameter("k_5", 0.02, "1/(pM d)", "rate of PTH binding with its receptor", SRC),
    Parameter("k_6", 3.0, "1/d", "rate of PTH unbinding", SRC),
    Parameter("k_B", 0.189, "1/d", "rate of active osteoblast elimination", SRC),
    Parameter("K_LP", 3e6, "1", "maximum number of RANKL attached on each cell surface", SRC),
    Parameter("k_O", 0.35, "1/d", "rate of OPG elimination", SRC),
    Parameter("K_OP", 2e5, "1/d", "minimal rate of OPG production per cell", SRC),
    Parameter("k_P", 86.0, "1/d", "rate of PTH elimination", SRC),
    Parameter("S_P", 250.0, "pM/d", "rate of synthesis of systemic PTH", SRC),
)


def _pi(C, R, B, p: Params, injection: jnp.ndarray = 0.0) -> dict[str, jnp.ndarray]:
    """pi_C, pi_P and pi_L with the PTH injection I_P = ``injection`` (pM/day)."""
    pi_c = (C + p["f_0"] * p["C_s"]) / (C + p["C_s"])
    injected = injection / p["k_P"]
    pi_p = (injected + p["S_P"] / p["k_P"]) / (injected + p["k_6"] / p["k_5"])
    pi_l = (
        p["k_3"] / p["k_4"] * p["K_LP"] * pi_p * B
        / (1.0 + p["k_3"] * p["K"] / p["k_4"] + p["k_1"] / (p["k_2"] * p["k_O"]) * (p["K_OP"] / pi_p * R))
    )
    return {"pi_C": pi_c, "pi_P": pi_p, "pi_L": pi_l}


def _derivatives(R, B, C, p: Params, injection: jnp.ndarray = 0.0):
    s = _pi(C, R, B, p, injection)
    r_to_b = p["f_0"] * p["d_B"] / s["pi_C"] * R
    return (
        p["D_R"] * s["pi_C"] - r_to_b,
        r_to_b - p["k_B"] * B,
        p["D_C"] * s["pi_L"] - p["D_A"] * s["pi_C"] * C,
    )


def steady_cells(p: Params) -> jnp.ndarray:
    """Steady state (R, B, C) by a differentiable root-find in C."""

    def osteoblasts(c):
        pi_c = (c + p["f_0"] * p["C_s"]) / (c + p["C_s"])
        r = p["D_R"] * pi_c**2 / (p["f_0"] * p["d_B"])
        b = p["D_R"] * pi_c / p["k_B"]
        return r, b

    def residual(c):
        r, b = osteoblasts(c)
        return _derivatives(r, b, c, p)[2]

    c = positive_root(residual)
    r, b = osteoblasts(c)
    return jnp.stack([r, b, c])


def _vector_field(t, y, p, inputs):
    return jnp.stack(_derivatives(y[0], y[1], y[2], p, infusion(inputs, t)))


def _initial_state(p, inputs):
    return steady_cells(p)


def _observe(t, y, y0, p, inputs):
    return {"R": y[0], "B": y[1], "C": y[2]}


LEMAIRE_2004 = Model(
    name="lemaire2004",
    description="Lemaire et al. 2004 bone-cell model (responding/active osteoblasts, osteoclasts)",
    states=("R", "B", "C"),
    state_units=("pM", "pM", "pM"),
    parameters=PARAMETERS,
    inputs=(PTH_INFUSION,),
    vector_field=_vector_field,
    initial_state=_initial_state,
    observe=_observe,
    observables=(
        Observable("R", "pM", "responding osteoblasts"),
        Observable("B", "pM", "active osteoblasts"),
        Observable("C", "pM", "active osteoclasts"),
    ),
    reference="Lemaire V. et al. (2004) J Theor Biol 229(3):293-309, doi:10.1016/j.jtbi.2004.03.023",
)
