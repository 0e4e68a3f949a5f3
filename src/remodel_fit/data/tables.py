"""Measurement and condition tables: column names, reading (CSV/TSV, PEtab v1 names), writing.

Tables are read as text (every cell a string, nothing guessed), so that validation can
say exactly which cell is wrong; :mod:`remodel_fit.data.validate` turns them into typed
frames. Line numbers in messages count the header as line 1, as a spreadsheet or an
editor shows them; :data:`LINE` is the column that carries them.

Measurement table (tidy, one value a row)::

    subject, group, time_days, observable, value, sd (optional), unit

Conditions table (inputs and doses)::

    subject, group, time_days, input, value

``subject`` may be ``*``: the row applies to every subject of ``group``.
PEtab v1 measurement tables (``observableId, simulationConditionId, time, measurement``,
optional ``noiseParameters``) are accepted: the condition id becomes both subject and
group, and, PEtab having no unit column, each row gets its observable's unit from the model.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from ..errors import DataError
from ..io import atomic_path

SUBJECT = "subject"
GROUP = "group"
TIME = "time_days"
OBSERVABLE = "observable"
VALUE = "value"
SD = "sd"
UNIT = "unit"
INPUT = "input"
ALL_SUBJECTS = "*"
LINE = "_line"
"""Hidden column: the file line of each row (header = line 1)."""

MEASUREMENT_COLUMNS: tuple[str, ...] = (SUBJECT, GROUP, TIME, OBSERVABLE, VALUE, SD, UNIT)
MEASUREMENT_REQUIRED: tuple[str, ...] = (SUBJECT, GROUP, TIME, OBSERVABLE, VALUE, UNIT)
CONDITION_COLUMNS: tuple[str, ...] = (SUBJECT, GROUP, TIME, INPUT, VALUE)

# PEtab v1 (libpetab-python petab/v1/C.py) measurement columns -> ours.
PETAB_OBSERVABLE_ID = "observableId"
PETAB_CONDITION_ID = "simulationConditionId"
PETAB_TIME = "time"
PETAB_MEASUREMENT = "measurement"
PETAB_NOISE = "noiseParameters"
PETAB_RENAME: dict[str, str] = {
    PETAB_OBSERVABLE_ID: OBSERVABLE,
    PETAB_CONDITION_ID: SUBJECT,
    PETAB_TIME: TIME,
    PETAB_MEASUREMENT: VALUE,
    PETAB_NOISE: SD,
}
# PEtab columns we read but do not use.
PETAB_IGNORED: tuple[str, ...] = ("preequilibrationConditionId", "observableParameters", "datasetId", "replicateId")

_DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}


def delimiter_for(path: str | os.PathLike) -> str:
    """Tab for ``.tsv``/``.tab`` files, comma otherwise."""
    return "\t" if Path(path).suffix.lower() in (".tsv", ".tab") else ","


def read_table(path: str | os.PathLike, kind: str = "measurements") -> pd.DataFrame:
    """Read a table as strings with a :data:`LINE` column; PEtab names are renamed.

    Raises :class:`DataError` for an empty file, a header only, or a file written with
    another delimiter than its extension says (a ``;`` CSV read as one column).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found; expected a {kind} table (CSV or TSV)")
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        raise DataError(f"{path}: line 1: the file is empty; expected a header line and {kind} rows")
    sep = delimiter_for(path)
    header = next(csv.reader([text.splitlines()[0]], delimiter=sep))
    if len(header) == 1:
        counts = {d: header[0].count(d) for d in _DELIMITERS if d != sep}
        other = max(counts, key=counts.get)
        if counts[other]:
            name, fix = ("CSV", "commas") if sep == "," else ("TSV", "tabs")
            rename = {",": " or name the file .csv", "\t": " or name the file .tsv"}.get(other, "")
            raise DataError(
                f"{path}: line 1, column {header[0][:40]!r}: the header is one column split by "
                f"{_DELIMITERS[other]}s ({other!r}); expected {_DELIMITERS[sep]}-separated columns "
                f"(save as {name} with {fix}{rename})"
            )
    frame = pd.read_csv(
        path, sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig"
    )
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError(f"{path}: line 2: the file has a header but no rows; expected at least one {kind} row")
    frame = frame.map(lambda s: s.strip() if isinstance(s, str) else s)
    frame.insert(0, LINE, range(2, len(frame) + 2))
    if kind == "measurements" and PETAB_OBSERVABLE_ID in frame.columns:
        frame = from_petab(frame)
    return frame


def from_petab(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename PEtab v1 measurement columns; group = condition id; ignored columns dropped."""
    out = frame.drop(columns=[c for c in PETAB_IGNORED if c in frame.columns]).rename(columns=PETAB_RENAME)
    if SUBJECT in out.columns and GROUP not in out.columns:
        out.insert(list(out.columns).index(SUBJECT) + 1, GROUP, out[SUBJECT])
    out.attrs["petab"] = True
    return out


def write_table(path: str | os.PathLike, frame: pd.DataFrame) -> None:
    """Write a table atomically (CSV, or TSV for ``.tsv``), without the line column."""
    frame = frame.drop(columns=[LINE], errors="ignore")
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, sep=delimiter_for(path))
