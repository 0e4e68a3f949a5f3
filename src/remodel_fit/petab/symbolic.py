"""Sympy helpers of the PEtab import: SBML MathML and PEtab formulas to sympy, rule substitution,
positional lambdification to ``jax.numpy`` and the times at which piecewise terms switch."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import sympy as sp

T = sp.Symbol("t_")
"""The time symbol of every generated expression."""


def sbml_to_sympy(obj) -> sp.Expr:
    """The math of an SBML object (rule, kinetic law, initial assignment) as sympy, with plain
    symbols, ``T`` for time and avogadro's constant as a number."""
    import sbmlmath

    expr = sbmlmath.sbml_math_to_sympy(obj, floats_as_rationals=False)
    rep = {}
    for s in expr.free_symbols:
        if isinstance(s, sbmlmath.TimeSymbol):
            rep[s] = T
        elif isinstance(s, sbmlmath.CSymbol):
            rep[s] = sp.Float(float(s))
        else:
            rep[s] = sp.Symbol(s.name)
    return expr.xreplace(rep)


def petab_to_sympy(value) -> sp.Expr:
    """A PEtab formula or number as sympy (``time`` becomes ``T``)."""
    from petab.v1.math import sympify_petab

    if isinstance(value, (int, float, np.floating, np.integer)):
        return sp.Float(float(value))
    expr = sympify_petab(str(value))
    return expr.xreplace({s: (T if s.name == "time" else sp.Symbol(s.name)) for s in expr.free_symbols})


def substitute_rules(expr: sp.Expr, rules: Mapping[sp.Symbol, sp.Expr], max_iter: int = 100) -> sp.Expr:
    """``expr`` with rule targets replaced until none is left (rules may refer to each other)."""
    for _ in range(max_iter):
        found = expr.free_symbols & rules.keys()
        if not found:
            return expr
        expr = expr.xreplace({s: rules[s] for s in found})
    raise ValueError(f"cyclic assignment rules among {sorted(map(str, found))}")


def lambdify(args: Sequence, exprs) -> Callable:
    """``exprs`` as a ``jax.numpy`` function of positional ``args`` (common subexpressions shared)."""
    return sp.lambdify(args, exprs, modules="jax", cse=True)


def stacked(values) -> "jnp.ndarray":  # noqa: F821
    """A list of lambdified outputs (scalars or broadcastable arrays) as one float array."""
    import jax.numpy as jnp

    return jnp.stack(jnp.broadcast_arrays(*[jnp.asarray(v, dtype=jnp.float64) for v in values]))


def time_breakpoints(expr: sp.Expr) -> list[sp.Expr]:
    """Times at which a relational in ``expr`` (linear in time) switches, as expressions."""
    out = []
    for rel in expr.atoms(sp.core.relational.Relational):
        g = rel.lhs - rel.rhs
        if T not in g.free_symbols:
            continue
        dg = sp.diff(g, T)
        if T in dg.free_symbols:
            raise ValueError(f"piecewise condition not linear in time: {rel}")
        out.append(sp.simplify(T - g / dg).subs(T, 0))
    return out
