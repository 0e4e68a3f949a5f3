"""SBML (python-libsbml) to a symbolic ODE: states, model parameters with their SBML values,
right-hand sides with assignment rules substituted, initial states and the stoichiometry.

Supported: species as concentration or amount in constant compartments, reactions with constant
stoichiometry, local parameters, assignment and rate rules, initial assignments, function
definitions (expanded by libsbml), piecewise/relational math, time. Events, algebraic rules,
delays, fast reactions, non-constant compartments, stoichiometryMath and variable
stoichiometry raise :class:`~remodel_fit.errors.PetabError` naming the file.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sympy as sp

from ..errors import PetabError
from .symbolic import T, sbml_to_sympy, substitute_rules


@dataclass
class SymbolicOde:
    """The ODE of an SBML model in named sympy symbols."""

    states: list[str]
    parameters: list[str]
    defaults: np.ndarray
    rhs: list[sp.Expr]
    x0: list[sp.Expr]
    rules: dict[sp.Symbol, sp.Expr]
    stoichiometry: np.ndarray
    rate_rule_states: np.ndarray
    volumes: list[sp.Expr]
    amount_species: set[str]
    features: dict = field(default_factory=dict)


def expanded_model(sbml_model, path: Path):
    """A copy of the libsbml model with function definitions expanded (the copy's document is kept alive)."""
    import libsbml

    doc = sbml_model.getSBMLDocument().clone()
    props = libsbml.ConversionProperties()
    props.addOption("expandFunctionDefinitions", True)
    if doc.convert(props) != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise PetabError(f"{path}: libsbml could not expand the function definitions")
    return doc, doc.getModel()


def check_supported(doc, m, path: Path) -> None:
    """Raise on SBML features the import does not translate (never drop them silently)."""
    import libsbml

    if m.getNumEvents():
        raise PetabError(f"{path}: SBML events are not supported ({m.getNumEvents()} in the model)")
    if any(r.isAlgebraic() for r in m.getListOfRules()):
        raise PetabError(f"{path}: SBML algebraic rules are not supported")
    if any(r.isSetFast() and r.getFast() for r in m.getListOfReactions()):
        raise PetabError(f"{path}: SBML fast reactions are not supported")
    if "http://www.sbml.org/sbml/symbols/delay" in libsbml.writeSBMLToString(doc):
        raise PetabError(f"{path}: SBML delay() is not supported")
    for c in m.getListOfCompartments():
        if not c.getConstant():
            raise PetabError(f"{path}: non-constant compartment {c.getId()!r} is not supported")
    if m.getNumConstraints():
        warnings.warn(f"{path}: {m.getNumConstraints()} SBML constraints are not checked during simulation",
                      RuntimeWarning, stacklevel=3)


def _rules(m) -> tuple[dict, dict, dict]:
    assignment, rate = {}, {}
    for r in m.getListOfRules():
        if r.isAssignment():
            assignment[sp.Symbol(r.getVariable())] = sbml_to_sympy(r)
        elif r.isRate():
            rate[r.getVariable()] = sbml_to_sympy(r)
    initial = {ia.getSymbol(): sbml_to_sympy(ia) for ia in m.getListOfInitialAssignments()}
    return assignment, rate, initial


def _state_ids(species: dict, assignment: dict, rate: dict, compartments: dict, path: Path) -> list[str]:
    states = [sid for sid, s in species.items()
              if sp.Symbol(sid) not in assignment and not s.getConstant()
              and not (s.getBoundaryCondition() and sid not in rate)]
    for v in rate:
        if v in compartments:
            raise PetabError(f"{path}: a rate rule on compartment {v!r} is not supported")
        if v not in states:
            states.append(v)
    return states


def species_initial_value(s, compartments: dict) -> float:
    """The numeric initial value of a species in its own unit (concentration unless amount-based)."""
    if s.isSetInitialConcentration():
        v = s.getInitialConcentration()
        return v * compartments[s.getCompartment()].getSize() if s.getHasOnlySubstanceUnits() else v
    if s.isSetInitialAmount():
        v = s.getInitialAmount()
        return v if s.getHasOnlySubstanceUnits() else v / compartments[s.getCompartment()].getSize()
    return 0.0  # set by an initial assignment or a rule


def _model_parameters(m, species, compartments, states, assignment) -> tuple[list[str], np.ndarray]:
    ids, defaults = [], []
    for p in m.getListOfParameters():
        if sp.Symbol(p.getId()) in assignment or p.getId() in states:
            continue
        ids.append(p.getId())
        defaults.append(p.getValue() if p.isSetValue() else np.nan)
    for cid, c in compartments.items():
        ids.append(cid)
        defaults.append(c.getSize() if c.isSetSize() else 1.0)
    for sid, s in species.items():
        if sid not in states and sp.Symbol(sid) not in assignment:
            ids.append(sid)
            defaults.append(species_initial_value(s, compartments))
    return ids, np.asarray(defaults, dtype=float)


def _kinetic_rate(r, path: Path) -> sp.Expr:
    law = r.getKineticLaw()
    if law is None:
        raise PetabError(f"{path}: reaction {r.getId()!r} has no kinetic law")
    local = {sp.Symbol(lp.getId()): sp.Float(lp.getValue())
             for lp in list(law.getListOfLocalParameters()) + list(law.getListOfParameters())}
    return sbml_to_sympy(law).xreplace(local)


def _reaction_rhs(m, species, states, rate, assignment, initial, path: Path) -> tuple[dict, np.ndarray]:
    rhs = {sid: sp.Integer(0) for sid in states}
    stoich = np.zeros((len(states), m.getNumReactions()))
    for ir, r in enumerate(m.getListOfReactions()):
        law = _kinetic_rate(r, path)
        for sign, refs in ((-1, r.getListOfReactants()), (1, r.getListOfProducts())):
            for ref in refs:
                if ref.isSetStoichiometryMath() or (ref.isSetId() and (
                        ref.getId() in initial or sp.Symbol(ref.getId()) in assignment)):
                    raise PetabError(f"{path}: variable stoichiometry in reaction {r.getId()!r} is not supported")
                sid = ref.getSpecies()
                if sid not in rhs or sid in rate:
                    continue  # boundary or constant species, or governed by a rate rule
                st = ref.getStoichiometry() if ref.isSetStoichiometry() else 1.0
                stoich[states.index(sid), ir] += sign * st
                s = species[sid]
                per = law if s.getHasOnlySubstanceUnits() else law / sp.Symbol(s.getCompartment())
                rhs[sid] += sign * st * per
    rhs.update(rate)
    return rhs, stoich


def _initial_exprs(states, species, params, compartments, initial, rules) -> list[sp.Expr]:
    x0 = {}
    for sid in states:
        if sid in initial:
            x0[sid] = initial[sid]
        elif sid in species:
            s = species[sid]
            if s.isSetInitialAmount() and not s.getHasOnlySubstanceUnits():
                x0[sid] = sp.Float(s.getInitialAmount()) / sp.Symbol(s.getCompartment())
            else:
                x0[sid] = sp.Float(species_initial_value(s, compartments))
        else:  # a parameter governed by a rate rule
            x0[sid] = sp.Float(params[sid].getValue())
    init_rules = {sp.Symbol(s): e for s, e in x0.items()}
    init_rules.update(rules)
    return [substitute_rules(x0[s], init_rules).xreplace({T: sp.Float(0.0)}) for s in states]


def read_sbml(sbml_model, path: Path, petab_controlled: set[str]) -> SymbolicOde:
    """The symbolic ODE of ``sbml_model``; parameters with an initial assignment are substituted
    unless PEtab sets them (``petab_controlled``: parameter-table ids and condition columns)."""
    doc, m = expanded_model(sbml_model, path)
    check_supported(doc, m, path)
    compartments = {c.getId(): c for c in m.getListOfCompartments()}
    species = {s.getId(): s for s in m.getListOfSpecies()}
    params = {p.getId(): p for p in m.getListOfParameters()}
    assignment, rate, initial = _rules(m)
    states = _state_ids(species, assignment, rate, compartments, path)
    pids, defaults = _model_parameters(m, species, compartments, states, assignment)
    rules = dict(assignment)
    rules.update({sp.Symbol(v): e for v, e in initial.items()
                  if v in pids and v not in species and v not in petab_controlled})
    rhs, stoich = _reaction_rhs(m, species, states, rate, assignment, initial, path)
    try:
        rhs_list = [substitute_rules(rhs[s], rules) for s in states]
        x0 = _initial_exprs(states, species, params, compartments, initial, rules)
    except ValueError as err:
        raise PetabError(f"{path}: {err}") from None
    volumes = [sp.Float(1.0) if s not in species or species[s].getHasOnlySubstanceUnits()
               else sp.Symbol(species[s].getCompartment()) for s in states]
    features = {"function_definitions": sbml_model.getNumFunctionDefinitions(), "assignment_rules": len(assignment),
                "rate_rules": len(rate), "initial_assignments": len(initial)}
    return SymbolicOde(states, pids, defaults, rhs_list, x0, rules, stoich,
                       np.array([s in rate for s in states]), volumes,
                       {s for s, o in species.items() if o.getHasOnlySubstanceUnits()}, features)
