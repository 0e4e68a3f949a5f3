"""The symbolic ODE as positional ``jax.numpy`` functions: ``f(t, x, k)``, ``x0(k)``, the
conservation laws (for steady-state sensitivities) and the switch times of piecewise terms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import sympy as sp

from ..errors import PetabError
from .sbml import SymbolicOde
from .symbolic import T, lambdify, stacked, time_breakpoints


@dataclass
class CompiledOde:
    """Positional functions of states ``x`` (vector) and model parameters ``k`` (vector)."""

    xs: list[sp.Symbol]
    ks: list[sp.Symbol]
    symbols: dict[sp.Symbol, sp.Symbol]
    vector_field: Callable
    initial_state: Callable
    conservation_matrix: Callable
    n_conservation_laws: int
    breakpoints: Callable | None
    breakpoint_symbols: set[sp.Symbol]


def _conservation_laws(ode: SymbolicOde) -> np.ndarray:
    """Rows c with c · N = 0 (left null space of the amount stoichiometry), rate-rule states excluded."""
    n = ode.stoichiometry.copy()
    rr = ode.rate_rule_states
    n[rr] = 0.0
    if not n.size:
        return np.zeros((0, len(ode.states)))
    u, sv, _ = np.linalg.svd(n, full_matrices=True)
    rank = int((sv > 1e-10 * max(sv.max(), 1.0)).sum()) if sv.size else 0
    cons = u[:, rank:].T
    return cons[np.abs(cons[:, rr]).sum(axis=1) < 1e-12] if rr.any() else cons


def _positional(ode: SymbolicOde, path: Path):
    xs = [sp.Symbol(f"x_{i}") for i in range(len(ode.states))]
    ks = [sp.Symbol(f"k_{i}") for i in range(len(ode.parameters))]
    symbols = {sp.Symbol(n): s for n, s in zip(ode.states, xs)}
    symbols.update({sp.Symbol(n): s for n, s in zip(ode.parameters, ks)})
    allowed = set(xs) | set(ks) | {T}

    def to_pos(e: sp.Expr) -> sp.Expr:
        e = e.xreplace(symbols)
        bad = e.free_symbols - allowed
        if bad:
            raise PetabError(f"{path}: unresolved symbols {sorted(map(str, bad))} in the model equations")
        return e

    return xs, ks, symbols, [to_pos(e) for e in ode.rhs], [to_pos(e) for e in ode.x0], [to_pos(v) for v in ode.volumes]


def compile_ode(ode: SymbolicOde, path: Path) -> CompiledOde:
    """Lambdify the ODE; raise if the initial state depends on time or a switch time on the state."""
    xs, ks, symbols, rhs, x0, volumes = _positional(ode, path)
    if any(T in e.free_symbols for e in x0):
        raise PetabError(f"{path}: an initial value depends on time")
    f, f0, fv = lambdify([T, xs, ks], rhs), lambdify([ks], x0), lambdify([ks], volumes)
    cons = _conservation_laws(ode)
    bps = []
    for e in rhs:
        try:
            found = time_breakpoints(e)
        except ValueError as err:
            raise PetabError(f"{path}: {err}") from None
        for b in found:
            if b.free_symbols - set(ks):
                raise PetabError(f"{path}: a discontinuity depends on the state ({b}); not supported")
            bps.append(b)
    bps = list(dict.fromkeys(bps))
    ode.features["conservation_laws"] = int(cons.shape[0])
    ode.features["discontinuities"] = len(bps)
    return CompiledOde(
        xs, ks, symbols,
        vector_field=lambda t, x, k: stacked(f(t, x, k)),
        initial_state=lambda k: stacked(f0(k)),
        conservation_matrix=lambda k: jnp.asarray(cons) * stacked(fv(k))[None, :],
        n_conservation_laws=int(cons.shape[0]),
        breakpoints=lambdify([ks], bps) if bps else None,
        breakpoint_symbols={s for b in bps for s in b.free_symbols},
    )
