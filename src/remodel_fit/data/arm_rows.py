"""Rows of an arm-level summary table: parsing and cell validation.

The layout (``shared/data/inflammation/arms.csv``, see its README): one reported number of
one arm at one time a row, with the columns :data:`COLUMNS` (``note`` optional). Cell types,
ranges and vocabularies are the row schema ``data/schemas/arms.schema.yaml``; the spread's
shape (one number, ``low;high``, or nothing) is checked against ``spread_kind`` here. Every
failure raises :class:`~remodel_fit.errors.ArmsError` with one line::

    <file>: line <n>, column '<col>': <what was wrong>; expected <what>

Lines are file lines, the header being line 1; a quoted cell spanning lines is counted right.
"""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from ..errors import ArmsError
from .validate import load_schema

COLUMNS: tuple[str, ...] = (
    "study", "population", "n", "arm", "drug", "schedule", "time_days", "observable", "value",
    "unit", "spread", "spread_kind", "statistic", "source", "citation", "exact", "note",
)
REQUIRED: tuple[str, ...] = tuple(c for c in COLUMNS if c != "note")
PAIRED = frozenset({"ci95", "iqr", "range", "p10_p90"})
"""Spread kinds printed as ``low;high``."""
SINGLE = frozenset({"sd", "se", "pm_unlabelled"})
"""Spread kinds printed as one non-negative number."""
_INTEGER = re.compile(r"[+-]?\d+")


def vocabulary(column: str) -> frozenset[str]:
    """The allowed values of ``drug``, ``spread_kind`` or ``statistic`` (from the row schema)."""
    return frozenset(load_schema("arms")["properties"][column]["enum"])


@dataclass(frozen=True)
class Row:
    """One validated input row (``n`` None when not printed; ``spread`` the parsed numbers)."""

    line: int
    study: str
    population: str
    n: int | None
    arm: str
    drug: str
    schedule: str
    time_days: float
    observable: str
    value: float
    unit: str
    spread: tuple[float, ...]
    spread_kind: str
    statistic: str
    note: str


def fail(path: Path, line: int, column: str, problem: str, expected: str) -> ArmsError:
    """The one-line error of a cell."""
    return ArmsError(f"{path}: line {line}, column {column!r}: {problem}; expected {expected}")


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema("arms"))


def _parsed(cells: dict[str, str]) -> dict[str, Any]:
    """Cells with ``n`` as an int, ``time_days`` and ``value`` as floats where they parse (else kept as text)."""
    row: dict[str, Any] = dict(cells)
    n = cells["n"]
    row["n"] = None if n == "" else int(n) if _INTEGER.fullmatch(n) else n
    for column in ("time_days", "value"):
        try:
            number = float(cells[column])
            row[column] = number if math.isfinite(number) else cells[column]
        except ValueError:
            row[column] = cells[column]
    return row


def _problem(err: jsonschema.ValidationError, column: str, raw: str) -> str:
    if err.validator == "type":
        if raw == "":
            return "empty cell"
        return f"{raw!r} is not {'an integer' if column == 'n' else 'a finite number'}"
    if err.validator == "enum":
        return f"unknown {column} {raw!r}"
    if err.validator == "exclusiveMinimum":
        return f"n = {raw} <= 0"
    if err.validator == "minimum":
        return f"{raw} is before baseline"
    if err.validator == "minLength":
        return "empty cell"
    return err.message


def _expected(err: jsonschema.ValidationError) -> str:
    if err.validator == "enum":
        return "one of " + ", ".join(err.validator_value)
    return err.schema.get("x-expected", "a valid value")


def _spread(path: Path, line: int, kind: str, text: str) -> tuple[float, ...]:
    """The spread's numbers, checked against its kind."""
    parts = [p.strip() for p in text.split(";")] if text else []

    def number(part: str, expected: str) -> float:
        try:
            x = float(part)
        except ValueError:
            raise fail(path, line, "spread", f"{part!r} is not a number", expected) from None
        if not math.isfinite(x):
            raise fail(path, line, "spread", f"{part!r} is not finite", expected)
        return x

    if kind == "none":
        if parts:
            raise fail(path, line, "spread", f"{text!r} given but spread_kind is 'none'", "an empty cell")
        return ()
    if kind in PAIRED:
        if len(parts) != 2 or not all(parts):
            raise fail(path, line, "spread", f"spread_kind {kind!r} needs both bounds, got {text!r}", "'low;high'")
        low, high = (number(p, "'low;high' numbers") for p in parts)
        if low > high:
            raise fail(path, line, "spread", f"low {low:g} > high {high:g}", "'low;high' with low <= high")
        return (low, high)
    if kind in SINGLE:
        if len(parts) != 1:
            raise fail(path, line, "spread", f"spread_kind {kind!r} needs one number, got {text!r}",
                       "a single non-negative number")
        s = number(parts[0], "a single non-negative number")
        if s < 0:
            raise fail(path, line, "spread", f"{s:g} is negative", "a single non-negative number")
        return (s,)
    return tuple(number(p, "numbers separated by ';'") for p in parts)  # unspecified: kept, not used


def parse_row(path: Path, line: int, cells: dict[str, str]) -> Row:
    """One row, validated (the first failing cell in column order raises)."""
    row = _parsed(cells)
    errors = list(_validator().iter_errors(row))
    if errors:
        order = {c: i for i, c in enumerate(COLUMNS)}
        err = min(errors, key=lambda e: order.get(str(next(iter(e.absolute_path), "")), 99))
        column = str(next(iter(err.absolute_path), "?"))
        raise fail(path, line, column, _problem(err, column, cells.get(column, "")), _expected(err))
    return Row(line, row["study"], row["population"], row["n"], row["arm"], row["drug"], row["schedule"],
               float(row["time_days"]), row["observable"], float(row["value"]), row["unit"],
               _spread(path, line, row["spread_kind"], row["spread"]), row["spread_kind"], row["statistic"],
               row.get("note", ""))


def parse_rows(path: str | os.PathLike) -> list[Row]:
    """Validated rows of an arm table (blank lines skipped; quoted multi-line cells counted right)."""
    path = Path(path)
    if not path.is_file():
        raise ArmsError(f"{path}: file not found; expected an arm table (CSV, header line first)")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise fail(path, 1, missing[0], "missing column",
                       "the header to have the columns " + ", ".join(REQUIRED) + " (note optional)")
        rows, start = [], reader.line_num + 1
        for cells in reader:
            if cells and any(c.strip() for c in cells):
                if len(cells) != len(header):
                    raise fail(path, start, header[min(len(cells), len(header) - 1)],
                               f"{len(cells)} cells", f"{len(header)} cells as in the header")
                named = {h: c.strip() for h, c in zip(header, cells, strict=True)}
                rows.append(parse_row(path, start, {"note": "", **named}))
            start = reader.line_num + 1
    if not rows:
        raise ArmsError(f"{path}: line 2: no rows; expected at least one arm row")
    return rows
