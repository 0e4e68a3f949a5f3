"""Schema-driven validation of measurement and condition tables.

Cell types, ranges, names and units are checked by JSON schemas of table rows (package data
``remodel_fit/data/schemas/*.schema.yaml``, with the model's observables, inputs, units and
positivity added from the model value); the checks that need several rows (duplicates,
order, one group per subject, conditions that reach no subject) follow. Every failure
raises :class:`DataError` with one line::

    <file>: line <n>, column '<col>': <what was wrong>; expected <what>

Line numbers are file lines, the header being line 1 (as a spreadsheet shows rows).

Conditions: ``subject = *`` rows apply to every subject of their group. *Dose without a
schedule* means either a dose row with no positive amount (a zero, e.g. a placebo row, or
a negative dose: it schedules nothing) or rows of a group that has no subject in the
measurements (they reach nobody). Both are errors.
"""

from __future__ import annotations

import copy
import difflib
import math
import os
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import yaml

from ..errors import DataError
from ..model.base import Model
from .tables import (
    ALL_SUBJECTS,
    CONDITION_COLUMNS,
    GROUP,
    INPUT,
    LINE,
    MEASUREMENT_COLUMNS,
    MEASUREMENT_REQUIRED,
    OBSERVABLE,
    SD,
    SUBJECT,
    TIME,
    UNIT,
    VALUE,
)

NUMERIC = {TIME, VALUE, SD}


@cache
def load_schema(name: str) -> dict:
    """A table-row schema of the package (``remodel_fit/data/schemas/<name>.schema.yaml``)."""
    text = resources.files("remodel_fit.data").joinpath("schemas", f"{name}.schema.yaml").read_text()
    return yaml.safe_load(text)


# ----------------------------------------------------------------------------- schemas
def measurement_schema(model: Model) -> dict:
    """The row schema with the model's observables, units and positivity."""
    schema = copy.deepcopy(load_schema("measurements"))
    schema["properties"][OBSERVABLE]["enum"] = list(model.observable_names)
    schema["properties"][OBSERVABLE]["x-expected"] = f"an observable of model {model.name!r}"
    rules = []
    for obs in model.observables:
        then: dict[str, Any] = {
            UNIT: {"const": obs.unit, "x-expected": f"{obs.unit!r}, the unit of observable {obs.name!r}"}
        }
        if obs.positive:
            then[VALUE] = {
                "exclusiveMinimum": 0,
                "x-expected": f"a value > 0 (observable {obs.name!r} is positive, fitted on the log scale)",
            }
        rules.append({"if": {"properties": {OBSERVABLE: {"const": obs.name}}}, "then": {"properties": then}})
    schema["allOf"] = rules
    return schema


def condition_schema(model: Model) -> dict:
    """The row schema with the model's inputs: levels >= 0, doses > 0."""
    schema = copy.deepcopy(load_schema("conditions"))
    schema["properties"][INPUT]["enum"] = list(model.input_names)
    schema["properties"][INPUT]["x-expected"] = f"an input of model {model.name!r}"
    rules = []
    for inp in model.inputs:
        if inp.kind == "level":
            rule = {"minimum": 0, "x-expected": f"a level >= 0 {inp.unit} for input {inp.name!r}"}
        else:
            rule = {
                "exclusiveMinimum": 0,
                "x-expected": (
                    f"a dose > 0 {inp.unit} at time_days (a dose without an amount is a dose without a "
                    "schedule: drop placebo or zero rows)"
                ),
            }
        rules.append({"if": {"properties": {INPUT: {"const": inp.name}}}, "then": {"properties": {VALUE: rule}}})
    schema["allOf"] = rules
    return schema


# ----------------------------------------------------------------------------- tables
def validate_measurements(frame: pd.DataFrame, model: Model, file: str | os.PathLike = "<measurements>") -> pd.DataFrame:
    """Check a measurement table read by :func:`~remodel_fit.data.tables.read_table`; return it typed."""
    file = str(file)
    frame = _with_lines(frame)
    required = MEASUREMENT_REQUIRED
    if frame.attrs.get("petab") and UNIT not in frame.columns and OBSERVABLE in frame.columns:
        units = {o.name: o.unit for o in model.observables}
        frame = frame.assign(**{UNIT: [units.get(str(o), "") for o in frame[OBSERVABLE]]})
    _check_header(frame, MEASUREMENT_COLUMNS, required, file)
    if SD not in frame.columns:
        frame = frame.assign(**{SD: ""})
    typed = _check_rows(frame, measurement_schema(model), MEASUREMENT_COLUMNS, file)
    _check_one_group(typed, file)
    key = [SUBJECT, OBSERVABLE, TIME]
    dup = typed.duplicated(key, keep=False)
    if dup.any():
        rows = typed[dup]
        first, second = rows.iloc[0], rows[(rows[key] == rows.iloc[0][key]).all(axis=1)].iloc[1]
        _fail(
            file, second[LINE], TIME,
            f"duplicate of line {first[LINE]} (subject {first[SUBJECT]!r}, observable {first[OBSERVABLE]!r}, "
            f"time {first[TIME]:g})",
            "one value per subject, observable and time",
        )
    _check_ascending(typed, [SUBJECT, OBSERVABLE], file, "subject and observable")
    return typed[[LINE, *MEASUREMENT_COLUMNS]].reset_index(drop=True)


def validate_conditions(
    frame: pd.DataFrame,
    model: Model,
    measurements: pd.DataFrame,
    file: str | os.PathLike = "<conditions>",
    measurements_file: str | os.PathLike = "the measurements",
) -> pd.DataFrame:
    """Check a conditions table against the model and the (validated) measurements.

    Returns the rows expanded to subjects (``*`` rows copied to every subject of the
    group), sorted by subject, input and time, with their original line numbers.
    """
    file = str(file)
    frame = _with_lines(frame)
    _check_header(frame, CONDITION_COLUMNS, CONDITION_COLUMNS, file)
    typed = _check_rows(frame, condition_schema(model), CONDITION_COLUMNS, file)
    subject_group = dict(zip(measurements[SUBJECT], measurements[GROUP]))
    groups = set(subject_group.values())
    for r in typed.to_dict("records"):
        subject, group, line = r[SUBJECT], r[GROUP], r[LINE]
        if subject == ALL_SUBJECTS:
            if group not in groups:
                _fail(
                    file, line, GROUP,
                    f"{r[INPUT]!r} rows for group {group!r} reach no subject: the group has no measurements "
                    f"in {measurements_file} ({'dose' if _kind(model, r[INPUT]) == 'dose' else 'condition'} "
                    "without a schedule)",
                    f"one of the groups {_listing(sorted(groups))}",
                )
        elif subject not in subject_group:
            _fail(
                file, line, SUBJECT,
                f"subject {subject!r} has no measurements in {measurements_file}{_did_you_mean(subject, subject_group)}",
                "a subject of the measurements, or '*' for every subject of the group",
            )
        elif subject_group[subject] != group:
            _fail(
                file, line, GROUP,
                f"subject {subject!r} is in group {subject_group[subject]!r} in {measurements_file}, not {group!r}",
                f"group {subject_group[subject]!r}",
            )
    raw_key = [SUBJECT, GROUP, INPUT, TIME]
    dup = typed.duplicated(raw_key)
    if dup.any():
        second = typed[dup].iloc[0]
        _fail(file, second[LINE], TIME, f"duplicate {second[INPUT]!r} row for {_who(second)} at time {second[TIME]:g}",
              "one row per subject (or group), input and time")
    _check_ascending(typed, [SUBJECT, GROUP, INPUT], file, "subject (or group) and input")
    expanded = expand_conditions(typed, measurements)
    dup = expanded.duplicated([SUBJECT, INPUT, TIME], keep="first")
    if dup.any():
        second = expanded[dup].iloc[0]
        _fail(file, second[LINE], TIME,
              f"{second[INPUT]!r} at time {second[TIME]:g} for subject {second[SUBJECT]!r} is given twice "
              "(by a subject row and a '*' row of its group)",
              "one row per subject, input and time")
    return expanded


def expand_conditions(conditions: pd.DataFrame, measurements: pd.DataFrame) -> pd.DataFrame:
    """Replace ``*`` rows by one row per subject of the group (subjects in measurement order)."""
    subjects = list(dict.fromkeys(measurements[SUBJECT]))
    group_of = dict(zip(measurements[SUBJECT], measurements[GROUP]))
    parts = []
    for row in conditions.to_dict("records"):
        targets = [s for s in subjects if group_of[s] == row[GROUP]] if row[SUBJECT] == ALL_SUBJECTS else [row[SUBJECT]]
        parts.extend({**row, SUBJECT: s} for s in targets)
    out = pd.DataFrame(parts, columns=[LINE, *CONDITION_COLUMNS])
    order = {s: i for i, s in enumerate(subjects)}
    out = out.assign(_order=out[SUBJECT].map(order)).sort_values(["_order", INPUT, TIME, LINE], kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)


# ----------------------------------------------------------------------------- helpers
def _with_lines(frame: pd.DataFrame) -> pd.DataFrame:
    if LINE not in frame.columns:  # an in-memory frame: number rows as if written to a file
        frame = frame.copy()
        frame.insert(0, LINE, range(2, len(frame) + 2))
    if frame.drop(columns=[LINE]).shape[1] == 0 or len(frame) == 0:
        raise DataError("<table>: line 2: the table has no rows; expected at least one row")
    return frame


def _fail(file: str, line, column: str, problem: str, expected: str):
    raise DataError(f"{file}: line {int(line)}, column {column!r}: {problem}; expected {expected}")


def _check_header(frame: pd.DataFrame, columns: tuple[str, ...], required: tuple[str, ...], file: str) -> None:
    header = [c for c in frame.columns if c != LINE]
    schema = {"type": "object", "required": list(required), "properties": {c: {} for c in columns},
              "additionalProperties": False}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(dict.fromkeys(header)))
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in columns]
    if not errors:
        return
    expected = f"columns {', '.join(columns)}" + (" (sd optional)" if SD in columns else "")
    for col in unknown:  # a misspelt column: say which one it resembles
        close = difflib.get_close_matches(col.lower(), [c for c in columns if c not in header], n=1, cutoff=0.6)
        if close:
            _fail(file, 1, col, f"unknown column, misspelt {close[0]!r}?", expected)
    if missing:
        _fail(file, 1, missing[0], "missing from the header", expected)
    _fail(file, 1, unknown[0], "unknown column", expected)


def _parse_number(text: str):
    """Float for numeric text; None for an empty cell; the text itself otherwise."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or text == "":
        return None
    if isinstance(text, (int, float, np.number)):
        return float(text)
    try:
        return float(text)
    except ValueError:
        return text


def _cell_problem(raw) -> str:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)) or raw == "":
        return "empty cell"
    number = _parse_number(raw)
    if isinstance(number, float) and math.isnan(number):
        return f"{raw!r} is NaN"
    if isinstance(number, float) and math.isinf(number):
        return f"{raw!r} is not finite"
    return f"{raw!r} is not a number"


def _check_rows(frame: pd.DataFrame, schema: dict, columns: tuple[str, ...], file: str) -> pd.DataFrame:
    validator = jsonschema.Draft202012Validator(schema)
    order = {c: i for i, c in enumerate(columns)}
    typed_rows = []
    for raw in frame.to_dict("records"):
        row: dict[str, Any] = {}
        for col in columns:
            if col not in raw:
                continue
            cell = raw[col]
            if col in NUMERIC:
                parsed = _parse_number(cell)
                if col == SD and (parsed is None or (isinstance(parsed, float) and math.isnan(parsed))):
                    row[col] = None  # no sd given
                elif isinstance(parsed, float) and not math.isfinite(parsed):
                    row[col] = str(cell)  # NaN / inf: not a JSON number
                else:
                    row[col] = parsed
            else:
                row[col] = "" if cell is None else str(cell)
        errors = list(validator.iter_errors(row))
        if errors:
            err = min(errors, key=lambda e: (order.get(_column(e), 99), e.validator != "type"))
            col = _column(err)
            _fail(file, raw[LINE], col, _problem(err, col, raw.get(col), row.get(col)), _expected(err, schema, col))
        typed_rows.append({LINE: raw[LINE], **row})
    typed = pd.DataFrame(typed_rows, columns=[LINE, *columns])
    for col in NUMERIC & set(columns):
        typed[col] = typed[col].astype(float)
    return typed


def _column(err) -> str:
    path = [p for p in err.absolute_path]
    if path:
        return str(path[0])
    if err.validator == "required":
        return err.message.split("'")[1]
    return "?"


def _problem(err, col: str, raw, value) -> str:
    if err.validator == "type":
        return _cell_problem(raw) if col in NUMERIC else f"{raw!r} is not text"
    if err.validator == "enum":
        return f"unknown {col} {value!r}{_did_you_mean(str(value), [str(x) for x in err.validator_value])}"
    if err.validator == "minimum":
        return f"{value:g} is negative" if err.validator_value == 0 else f"{value:g} is below {err.validator_value:g}"
    if err.validator == "exclusiveMinimum":
        return f"{value:g} is {'zero' if value == 0 else 'negative'}"
    if err.validator == "const":
        return f"{value!r} does not match"
    if err.validator == "pattern":
        return "empty cell" if value == "" else f"{value!r} is not allowed"
    return err.message


def _expected(err, schema: dict, col: str) -> str:
    return err.schema.get("x-expected") or schema["properties"].get(col, {}).get("x-expected", "a valid value")


def _check_one_group(typed: pd.DataFrame, file: str) -> None:
    first_group: dict[str, tuple[str, int]] = {}
    for subject, group, line in zip(typed[SUBJECT], typed[GROUP], typed[LINE]):
        seen = first_group.setdefault(subject, (group, line))
        if seen[0] != group:
            _fail(file, line, GROUP, f"subject {subject!r} is in group {group!r} here but {seen[0]!r} on line {seen[1]}",
                  "one group per subject")


def _check_ascending(typed: pd.DataFrame, keys: list[str], file: str, what: str) -> None:
    previous = typed.groupby(keys, sort=False)[TIME].shift()
    bad = typed[TIME] < previous
    if bad.any():
        row = typed[bad].iloc[0]
        prev_rows = typed[(typed[keys] == row[keys]).all(axis=1) & (typed[LINE] < row[LINE])]
        prev = prev_rows.iloc[-1]
        label = ", ".join(f"{k} {row[k]!r}" for k in keys if k != GROUP or row[SUBJECT] == ALL_SUBJECTS)
        _fail(file, row[LINE], TIME, f"{row[TIME]:g} comes after {prev[TIME]:g} on line {prev[LINE]} ({label})",
              f"times ascending within each {what} (sort the rows)")


def _kind(model: Model, name: str) -> str:
    return model.input(name).kind


def _who(row) -> str:
    return f"group {row[GROUP]!r}" if row[SUBJECT] == ALL_SUBJECTS else f"subject {row[SUBJECT]!r}"


def _listing(items) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:12]) + (", ..." if len(items) > 12 else "")


def _did_you_mean(name: str, choices) -> str:
    drug = name.endswith("_mg")
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.85 if drug else 0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    if drug:
        return " (a drug this model has no input for: drop its rows, e.g. read_clinical_arms(..., drugs=['denosumab']))"
    return ""
