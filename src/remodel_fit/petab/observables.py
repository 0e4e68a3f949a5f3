"""The PEtab observable table as positional functions: ``y = fn(t, x, k, theta, obs_pars)`` and
``sigma = noise_fn(t, x, k, theta, noise_pars)``, with the ``observableParameter{n}_{id}`` /
``noiseParameter{n}_{id}`` placeholders as the last argument (filled per measurement row)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sympy as sp

from ..errors import PetabError
from .compiled import CompiledOde
from .symbolic import T, lambdify, petab_to_sympy, substitute_rules

TRANSFORMATIONS = ("lin", "log", "log10")
DISTRIBUTIONS = ("normal", "laplace")


@dataclass
class PetabObservable:
    """One row of the observable table, compiled."""

    id: str
    formula: str
    noise_formula: str
    transformation: str
    noise_distribution: str
    n_observable_parameters: int
    n_noise_parameters: int
    fn: Callable
    noise_fn: Callable
    expression: sp.Expr
    noise_expression: sp.Expr


def _count(pattern: str, oid: str, exprs) -> int:
    rx = re.compile(rf"^{pattern}(\d+)_{re.escape(oid)}$")
    found = [int(m.group(1)) for e in exprs for s in e.free_symbols if (m := rx.match(s.name))]
    return max(found or [0])


def _choice(row: pd.Series, column: str, default: str, allowed: tuple[str, ...], where: str) -> str:
    value = row.get(column, default)
    value = value if isinstance(value, str) and value.strip() else default
    if value not in allowed:
        raise PetabError(f"{where}: {column} {value!r} is not supported (supported: {', '.join(allowed)})")
    return value


def _placeholders(oid: str, nop: int, nnp: int):
    ops = [sp.Symbol(f"op_{i}") for i in range(nop)]
    nps = [sp.Symbol(f"np_{i}") for i in range(nnp)]
    rep = {sp.Symbol(f"observableParameter{i + 1}_{oid}"): ops[i] for i in range(nop)}
    rep.update({sp.Symbol(f"noiseParameter{i + 1}_{oid}"): nps[i] for i in range(nnp)})
    return ops, nps, rep


def read_observables(df: pd.DataFrame, ode: CompiledOde, rules: dict, parameter_ids: list[str],
                     path: Path) -> dict[str, PetabObservable]:
    """Compile every observable; unknown symbols, transformations and distributions raise naming ``path``."""
    ths = [sp.Symbol(f"th_{i}") for i in range(len(parameter_ids))]
    th_map = {sp.Symbol(p): ths[i] for i, p in enumerate(parameter_ids)}
    out = {}
    for oid, row in df.iterrows():
        where = f"{path}: observable {oid!r}"
        trafo = _choice(row, "observableTransformation", "lin", TRANSFORMATIONS, where)
        dist = _choice(row, "noiseDistribution", "normal", DISTRIBUTIONS, where)
        try:
            yexpr, sexpr = petab_to_sympy(row["observableFormula"]), petab_to_sympy(row["noiseFormula"])
        except Exception as err:  # sympy's parser raises many types
            raise PetabError(f"{where}: cannot parse a formula ({type(err).__name__}: {err})") from None
        nop = _count("observableParameter", oid, (yexpr, sexpr))
        nnp = _count("noiseParameter", oid, (sexpr,))
        ops, nps, rep = _placeholders(oid, nop, nnp)
        rep[sp.Symbol(oid)] = sp.Symbol("__y__")  # a noise formula may refer to its observable
        allowed = set(ode.xs) | set(ode.ks) | set(ths) | set(ops) | set(nps) | {T, sp.Symbol("__y__")}

        def prepare(e: sp.Expr) -> sp.Expr:
            e = substitute_rules(e.xreplace(rep), rules).xreplace(ode.symbols).xreplace(th_map)
            bad = e.free_symbols - allowed
            if bad:
                raise PetabError(f"{where}: unknown symbols {sorted(map(str, bad))} in a formula")
            return e

        ye = prepare(yexpr)
        se = prepare(sexpr).xreplace({sp.Symbol("__y__"): ye})
        out[oid] = PetabObservable(
            oid, str(row["observableFormula"]), str(row["noiseFormula"]), trafo, dist, nop, nnp,
            lambdify([T, ode.xs, ode.ks, ths, ops], ye), lambdify([T, ode.xs, ode.ks, ths, nps], se), ye, se)
    return out
