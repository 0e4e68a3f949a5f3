"""Reader of the digitised clinical-trial arms (``../shared/data/clinical``, see its README).

One arm file ``looker1998_and_<trial>_<arm>.csv`` -> tidy measurement and condition tables
with ``subject = group = <arm name>`` (the file name without ``looker1998_and_`` and ``.csv``).

- **Time.** ``Time (days)`` is the cohort's age. The trial baseline ``t0`` is the first
  *trial row*: the first row with anything besides the Looker 1998 ageing curve (an error
  bar, a marker or a medication entry). In every arm dosed from baseline this is the day of
  the first dose; in arms that start on placebo (e.g. placebo -> denosumab) it is the
  placebo baseline, so the later first dose falls at t > 0 instead of baseline visits
  getting negative times. ``time_days = Time (days) - t0``; the ageing rows before it are dropped.
- **BMD.** ``BMD total hip`` divided by its value at ``t0`` -> ``bmd_th_rel`` (1 at baseline).
- **Markers.** ``CTX``, ``P1NP``, ``BSAP`` (already relative to baseline) -> ``ctx_rel``,
  ``p1np_rel``, ``bsap_rel``.
- **Baseline normalisation points are not measurements.** A row at ``t0`` whose relative
  value is exactly 1 holds by construction (BMD divided by itself; markers published
  relative to baseline) and carries no information, so it is dropped: fitted as data, it
  would be the only row of its observable without a published bar, and that observable's
  noise sd, estimated from residuals that are exactly 0, collapses to 0 (an unbounded
  likelihood; this is what broke the first clinical fit). Baseline rows with another value
  (an arm whose markers are relative to an earlier visit) are kept.
- **Standard deviation.** ``sd = (Error high - Error low) / 2`` (the bars are mostly
  mean +/- SE, so this is the standard error of the mean), scaled like its value; NaN where
  no bar was published or the bar has zero width.
- **Doses.** ``Medication: <Drug> (mg)`` cells > 0 -> condition rows with input
  ``<drug>_mg`` (e.g. ``denosumab_mg``). Drugs the bone_inflammation model has no input
  for (romosozumab, blosozumab, alendronate) keep their rows, named the same way; pass
  ``drugs=["denosumab"]`` to keep only supported ones (validation rejects the others).
  Zero cells (placebo) are not doses and are dropped.
- **Daily regimens.** The companion ``continuous_dosing_<arm file>`` (next to the arm file) holds
  intervals ``Type, Dosing start (days), Dosing end (days), Dose per day`` in the cohort's age;
  each becomes two rows of the level input ``<drug>_<unit>_day`` (e.g. ``teriparatide_ug_day``,
  units in :data:`DAILY_UNITS`): the daily dose from the start, 0 from the end. The same
  ``drugs`` filter applies.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .tables import CONDITION_COLUMNS, GROUP, INPUT, MEASUREMENT_COLUMNS, OBSERVABLE, SD, SUBJECT, TIME, UNIT, VALUE

DEFAULT_DIRS: tuple[str, ...] = ("/work/shared/data/clinical", "../shared/data/clinical")
DEFAULT_PATTERN = "looker1998_and_mcclung2006_*"
TIME_COLUMN = "Time (days)"
BMD_COLUMN = "BMD total hip"
OBSERVABLES: dict[str, str] = {BMD_COLUMN: "bmd_th_rel", "CTX": "ctx_rel", "P1NP": "p1np_rel", "BSAP": "bsap_rel"}
PREFIX = "looker1998_and_"
DAILY_UNITS: dict[str, str] = {"teriparatide": "ug", "alendronate": "mg"}
"""Unit of ``Dose per day`` in the companions, by drug (clinical README: teriparatide in mcg daily)."""
COMPANION_PREFIX = "continuous_dosing_"
_MEDICATION = re.compile(r"^Medication:\s*(?P<drug>[^(]+?)\s*\((?P<unit>[^)]+)\)$")


def arm_name(path: str | os.PathLike) -> str:
    """``looker1998_and_mcclung2006_denosumab_60_q6m.csv`` -> ``mcclung2006_denosumab_60_q6m``."""
    stem = Path(path).stem
    return stem[len(PREFIX):] if stem.startswith(PREFIX) else stem


def find_clinical_dir(candidates: Iterable[str | os.PathLike] = DEFAULT_DIRS, root: str | os.PathLike | None = None) -> Path | None:
    """The first existing clinical directory (relative ones resolved against ``root`` or the cwd)."""
    for c in candidates:
        path = Path(c) if Path(c).is_absolute() or root is None else Path(root) / c
        if path.is_dir():
            return path
    return None


def read_clinical_arm(path: str | os.PathLike, *, drugs: Iterable[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One arm -> (measurements, conditions) tidy tables; ``drugs`` filters dose inputs (lower case)."""
    path = Path(path)
    arm = arm_name(path)
    raw = pd.read_csv(path)
    if TIME_COLUMN not in raw.columns or BMD_COLUMN not in raw.columns:
        raise DataError(f"{path}: line 1, column {TIME_COLUMN!r}: not a clinical arm file; expected the columns "
                        f"{TIME_COLUMN!r} and {BMD_COLUMN!r} (see the clinical README)")
    raw = raw.drop(columns=[c for c in raw.columns if c.startswith("Unnamed")])
    medication = {c: m for c in raw.columns if (m := _MEDICATION.match(c))}
    trial_cols = [c for c in raw.columns if c not in (TIME_COLUMN, BMD_COLUMN)]
    trial = raw[trial_cols].notna().any(axis=1).to_numpy()
    if not trial.any():
        raise DataError(f"{path}: no trial rows (only the ageing curve); expected markers, error bars or doses")
    start = int(np.argmax(trial))
    t0 = float(raw[TIME_COLUMN].iloc[start])
    data = raw.iloc[start:].reset_index(drop=True)
    time = data[TIME_COLUMN].to_numpy(float) - t0
    bmd0 = float(data[BMD_COLUMN].iloc[0])

    rows = []
    for column, observable in OBSERVABLES.items():
        if column not in data.columns:
            continue
        scale = bmd0 if column == BMD_COLUMN else 1.0
        value = data[column].to_numpy(float) / scale
        low = data.get(f"Error low: {column}", pd.Series(np.nan, index=data.index)).to_numpy(float)
        high = data.get(f"Error high: {column}", pd.Series(np.nan, index=data.index)).to_numpy(float)
        sd = (high - low) / 2.0 / scale
        sd = np.where(sd > 0, sd, np.nan)
        for t, v, s in zip(time, value, sd):
            if np.isfinite(v) and not (t == 0.0 and v == 1.0):
                rows.append({SUBJECT: arm, GROUP: arm, TIME: t, OBSERVABLE: observable, VALUE: v, SD: s, UNIT: "1"})
    measurements = pd.DataFrame(rows, columns=list(MEASUREMENT_COLUMNS))
    measurements = measurements.sort_values([TIME, OBSERVABLE], kind="stable").reset_index(drop=True)

    keep = None if drugs is None else {d.lower() for d in drugs}
    dose_rows = []
    for column, match in medication.items():
        drug, unit = match["drug"].strip().lower(), match["unit"].strip().lower()
        if keep is not None and drug not in keep:
            continue
        amount = data[column].to_numpy(float)
        dose_rows += [{SUBJECT: arm, GROUP: arm, TIME: t, INPUT: f"{drug}_{unit}", VALUE: a}
                      for t, a in zip(time, amount) if np.isfinite(a) and a > 0]
    dose_rows += _daily_regimens(path, arm, t0, keep)
    conditions = pd.DataFrame(dose_rows, columns=list(CONDITION_COLUMNS))
    conditions = conditions.sort_values([INPUT, TIME], kind="stable").reset_index(drop=True)
    return measurements, conditions


def _daily_regimens(path: Path, arm: str, t0: float, keep: set[str] | None) -> list[dict]:
    """Level rows (start: daily dose, end: 0) of the arm's ``continuous_dosing_*`` companion, if any."""
    companion = path.with_name(COMPANION_PREFIX + path.name)
    if not companion.exists():
        return []
    rows = []
    for _, r in pd.read_csv(companion).iterrows():
        drug = str(r["Type"]).strip().lower()
        if keep is not None and drug not in keep:
            continue
        if drug not in DAILY_UNITS:
            raise DataError(f"{companion}: drug {drug!r} has no known daily unit; known: {', '.join(DAILY_UNITS)}")
        name = f"{drug}_{DAILY_UNITS[drug]}_day"
        rows += [{SUBJECT: arm, GROUP: arm, TIME: float(r["Dosing start (days)"]) - t0, INPUT: name,
                  VALUE: float(r["Dose per day"])},
                 {SUBJECT: arm, GROUP: arm, TIME: float(r["Dosing end (days)"]) - t0, INPUT: name, VALUE: 0.0}]
    return rows


def read_clinical_arms(
    clinical_dir: str | os.PathLike, pattern: str | Sequence[str] = DEFAULT_PATTERN, *, drugs: Iterable[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every arm matching ``pattern`` (a glob, ``.csv`` added; or several) in ``clinical_dir``, concatenated."""
    clinical_dir = Path(clinical_dir)
    if not clinical_dir.is_dir():
        raise DataError(f"{clinical_dir}: clinical directory not found; expected the digitised trial arms "
                        "(set data.clinical_dir in the config)")
    paths = []
    for one in [pattern] if isinstance(pattern, str) else list(pattern):
        glob = one if one.endswith(".csv") else f"{one}.csv"
        found = sorted(clinical_dir.glob(glob))
        if not found:
            raise DataError(f"{clinical_dir}: no arm file matches {glob!r}; expected e.g. {DEFAULT_PATTERN}.csv")
        paths += [p for p in found if p not in paths]
    drugs = None if drugs is None else list(drugs)
    parts = [read_clinical_arm(p, drugs=drugs) for p in paths]
    measurements = pd.concat([m for m, _ in parts], ignore_index=True)
    conditions = pd.concat([c for _, c in parts], ignore_index=True)
    return measurements, conditions
