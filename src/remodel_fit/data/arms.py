"""Reader of arm-level published summaries (the ``shared/data/inflammation/arms.csv`` layout).

One input row is one reported number of one arm at one time (:mod:`.arm_rows` validates it).
:func:`read_arms` sorts every row into exactly one of two tables:

- **records**: what a model can predict, each with an observable, its ``kind``, the value and
  the standard error of the reported statistic on the value's own scale (:mod:`.arm_se` has
  the conversions);
- **excluded**: every other row, with the reason. Nothing is dropped silently.

Kinds of record
    ``relative``     y(t) / y(``t_ref`` = 0) in the same arm: printed ``*_rel`` rows (a printed
                     percent p is already 1 + p/100 in the table), or an absolute follow-up
                     level divided by the arm's own baseline row (``<obs>_rel``, SE by the delta
                     method; ``ref_lines`` names the baseline row).
    ``annual_rate``  ``mean_annual_change_rel``: 1 + (fractional change per year) over
                     [``t_ref``, ``time_days``]; predict 1 + (y(t)/y(t_ref) - 1) / years. ``t_ref``
                     is 0, or the start of a label such as ``years_2_to_10`` (730 d).
    ``fold_control`` a patient level at baseline over the same study's healthy (or normal)
                     control level, ``<obs>_fold`` (assays differ between studies: only the
                     within-study ratio is used). A control without n gets the patient n.
    ``absolute``     disease-activity evidence: ``das28`` (score), ``crp`` (mg/L).

Arm sizes (``n_source``): ``printed``; ``scaled`` (``n_scale``: the printed n counts more than
the arm, e.g. both sexes); ``split_equal`` (no n printed: the largest printed n of the study's
arms of the same drug, split equally over its arms without an n); ``missing``.
``parent_arm`` names the study's "all" arm of the same drug that a subgroup belongs to: for
one observable a likelihood uses either the parent or its subgroups (they share patients).

Exclusions: the study-specific :data:`DEFAULT_EXCLUSIONS` (replaceable) and the generic rules
of :func:`screen`; rows used only as the denominator or control reference of another record are
listed as such.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .arm_rows import Row, parse_rows
from .arm_se import BMD, CYTOKINES, MARKERS, disease, impute, ratio_se, spread_se

RELATIVE_STATS = frozenset({"mean_rel", "median_rel", "pooled_mean_rel", "rel_unspecified"})
LEVEL_STATS = frozenset({"mean", "median", "unspecified"})
ACTIVITY = frozenset({"crp", "das28"})
RELATIVE_OBSERVABLES = frozenset({f"{o}_rel" for o in BMD | MARKERS | CYTOKINES | {"crp"}} | {"ctx_oc_ratio_rel"})
OBSERVABLES = RELATIVE_OBSERVABLES | BMD | MARKERS | CYTOKINES | ACTIVITY
"""Observables the reader turns into records; any other (hand BMD, ...) is excluded."""
KINDS = ("relative", "annual_rate", "fold_control", "absolute")
YEAR_DAYS = 365.25

RECORD_COLUMNS: tuple[str, ...] = (
    "line", "study", "arm", "drug", "disease", "n", "n_source", "time_days", "t_ref", "observable",
    "kind", "value", "se", "se_method", "se_imputed", "statistic", "spread_kind", "ref_lines",
    "source_observable", "parent_arm", "schedule", "population", "note",
)
EXCLUDED_COLUMNS: tuple[str, ...] = (
    "line", "study", "arm", "drug", "time_days", "observable", "statistic", "spread_kind", "value", "reason",
)


@dataclass(frozen=True)
class Exclusion:
    """Leave out the rows of ``study`` (optionally only one arm, observable or time) for ``reason``."""

    study: str
    reason: str
    arm: str | None = None
    observable: str | None = None
    time_days: float | None = None

    def matches(self, row: Row) -> bool:
        return (row.study == self.study and self.arm in (None, row.arm)
                and self.observable in (None, row.observable)
                and (self.time_days is None or self.time_days == row.time_days))


DEFAULT_EXCLUSIONS: tuple[Exclusion, ...] = (
    Exclusion("lange2005", "outlier per the data README (+12% hip BMD in one year; the primary abstract's "
              "wording is unclear)"),
    Exclusion("ard49_676_synovial", "synovial fluid, not serum (a joint-local compartment)"),
    Exclusion("chen2017", "outlier or typo in the original per the data README (1.44 +/- 3.45 g/cm2)",
              arm="tocilizumab_GC_ge_5mg", observable="bmd_ls", time_days=730.0),
)
"""Study-specific exclusions that the data README asks for."""
DEFAULT_N_SCALE: dict[tuple[str, str], float] = {("theander2020", "women"): 0.5, ("theander2020", "men"): 0.5}
"""(study, arm) -> multiplier of a printed n that is not the arm's (theander2020: n counts both sexes)."""


ARMS_TABLE = "../shared/data/inflammation/arms.csv"
"""Where the published anti-cytokine arms are, relative to the repository (read in place, never copied)."""


class ArmsSettings(BaseModel):
    """The arm-level inflammation data: published anti-cytokine arms (remodel-fit read-arms)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    arms: str = Field(ARMS_TABLE, min_length=1, description="arm-level summary table (CSV, one reported number a "
                      "row; read in place, never copied into the repository)")
    median_se_factor: float = Field(1.0, ge=1.0, le=2.0, description="multiplier of the SD-based SE of a median "
                                    "(1.2533 = sqrt(pi/2), the large-sample SE of a median under normality)")


class ArmsTables(NamedTuple):
    """The usable records (:data:`RECORD_COLUMNS`) and the excluded rows with reasons (:data:`EXCLUDED_COLUMNS`)."""

    records: pd.DataFrame
    excluded: pd.DataFrame


def arm_sizes(rows: list[Row], n_scale: Mapping[tuple[str, str], float]) -> dict[int, tuple[float | None, str]]:
    """Line -> (n used, n_source): printed, scaled, split_equal, or (None, missing)."""
    out: dict[int, tuple[float | None, str]] = {}
    for r in rows:
        if r.n is not None:
            scale = n_scale.get((r.study, r.arm))
            out[r.line] = (r.n * scale, "scaled") if scale else (float(r.n), "printed")
            continue
        siblings = [s for s in rows if s.study == r.study and s.drug == r.drug]
        printed = [s.n for s in siblings if s.n is not None]
        unsized = {s.arm for s in siblings if s.n is None}
        out[r.line] = (max(printed) / len(unsized), "split_equal") if printed else (None, "missing")
    return out


def parent_arms(rows: list[Row]) -> dict[tuple[str, str], str]:
    """(study, arm) -> the study's single 'all' arm of the same drug that the arm is a subgroup of."""
    out: dict[tuple[str, str], str] = {}
    for r in rows:
        parents = {p.arm for p in rows if p.study == r.study and p.drug == r.drug and p.arm != r.arm
                   and "all" in p.arm.split("_")}
        if len(parents) == 1 and "all" not in r.arm.split("_"):
            out[(r.study, r.arm)] = parents.pop()
    return out


def interval_start(arm: str) -> float:
    """Start (days) of a per-year-rate interval from an arm label like 'years_2_to_10', else 0."""
    m = re.search(r"years?_(\d+(?:\.\d+)?)_to_(\d+(?:\.\d+)?)", arm)
    return float(round(YEAR_DAYS * float(m.group(1)))) if m else 0.0


def _is_control(r: Row) -> bool:
    return disease(r.population) == "control"


def screen(r: Row, exclusions: tuple[Exclusion, ...]) -> str | None:
    """Why a row can never be used on its own, or None."""
    rule = next((e for e in exclusions if e.matches(r)), None)
    if rule is not None:
        return f"excluded by default: {rule.reason}"
    if r.statistic == "upper_bound":
        return "upper bound only (all values below the detection limit)"
    if r.statistic == "smd":
        return "standardised mean difference: not a level or ratio the model predicts"
    if r.statistic == "mean_change" or r.observable.endswith("_change"):
        return "absolute change without a baseline level: cannot be made relative"
    if r.observable not in OBSERVABLES:
        return f"observable {r.observable!r} is not a model observable"
    if r.observable in RELATIVE_OBSERVABLES:
        if r.statistic not in RELATIVE_STATS | {"mean_annual_change_rel"}:
            return f"statistic {r.statistic!r} on a relative observable"
        if r.time_days == 0 and r.value == 1.0:
            return "normalisation point (1 at baseline by construction)"
    elif r.statistic not in LEVEL_STATS:
        return f"statistic {r.statistic!r} on an absolute observable"
    elif r.observable in ACTIVITY and re.search(r"not stated", r.unit, re.I):
        return f"disease-activity level with its unit not stated ({r.unit!r})"
    elif r.value <= 0:
        return "level <= 0: no ratio can be formed"
    return None


class _Reader:
    """One pass over validated rows: records, excluded reasons, and which rows served as references."""

    def __init__(self, rows: list[Row], exclusions: tuple[Exclusion, ...],
                 n_scale: Mapping[tuple[str, str], float], median_se_factor: float) -> None:
        self.rows = rows
        self.sizes = arm_sizes(rows, n_scale)
        self.parents = parent_arms(rows)
        self.median_se_factor = median_se_factor
        self.excluded = {r.line: why for r in rows if (why := screen(r, exclusions)) is not None}
        self.live = [r for r in rows if r.line not in self.excluded]
        self.records: list[dict] = []
        self.used_as_ref: dict[int, list[int]] = {}
        self.printed_rel = {(r.study, r.arm, r.time_days, r.observable) for r in self.live
                            if r.observable in RELATIVE_OBSERVABLES}
        self.printed_rel_arms = {(study, arm, obs) for study, arm, _, obs in self.printed_rel}

    def se(self, r: Row, n: float | None = None) -> tuple[float, str]:
        return spread_se(r, self.sizes[r.line][0] if n is None else n, self.median_se_factor)

    def record(self, r: Row, observable: str, kind: str, value: float, se: float, method: str, *,
               t_ref: float = math.nan, ref: Row | None = None) -> None:
        n, n_source = self.sizes[r.line]
        self.records.append({
            "line": r.line, "study": r.study, "arm": r.arm, "drug": r.drug, "disease": disease(r.population),
            "n": n, "n_source": n_source, "time_days": r.time_days, "t_ref": t_ref, "observable": observable,
            "kind": kind, "value": value, "se": se, "se_method": method, "se_imputed": False,
            "statistic": r.statistic, "spread_kind": r.spread_kind, "ref_lines": "" if ref is None else str(ref.line),
            "source_observable": r.observable, "parent_arm": self.parents.get((r.study, r.arm), ""),
            "schedule": r.schedule, "population": r.population, "note": r.note,
        })
        if ref is not None:
            self.used_as_ref.setdefault(ref.line, []).append(r.line)

    def ratio(self, r: Row, ref: Row, observable: str, kind: str, t_ref: float, n_ref: float | None = None,
              why: str = "") -> None:
        """Record r / ref with the delta-method SE."""
        (se1, rule), (se0, _) = self.se(r), self.se(ref, n_ref)
        value = r.value / ref.value
        se = ratio_se(value, (r.value, se1), (ref.value, se0))
        self.record(r, observable, kind, value, se, f"propagated ratio (delta, independent): {rule}{why}",
                    t_ref=t_ref, ref=ref)

    def classify(self, r: Row) -> None:
        """Make ``r`` a record, exclude it, or leave it for :meth:`resolve` (a baseline or control level)."""
        obs = r.observable
        if obs in RELATIVE_OBSERVABLES:
            kind = "annual_rate" if r.statistic == "mean_annual_change_rel" else "relative"
            self.record(r, obs, kind, r.value, *self.se(r), t_ref=interval_start(r.arm) if kind == "annual_rate" else 0.0)
        elif obs in ACTIVITY:
            self.record(r, obs, "absolute", r.value, *self.se(r))
        elif r.time_days > 0:
            self.follow_up(r)
        elif not _is_control(r) and obs not in BMD:
            self.fold(r)

    def follow_up(self, r: Row) -> None:
        """A follow-up level: relative to the arm's own baseline row of the same observable and unit."""
        if (r.study, r.arm, r.time_days, f"{r.observable}_rel") in self.printed_rel:
            self.excluded[r.line] = f"duplicate: the same change is printed as {r.observable}_rel for this arm and time"
            return
        bases = [b for b in self.live if _same(b, r) and b.arm == r.arm and b.time_days == 0]
        if len(bases) > 1:
            bases = [b for b in bases if b.note == r.note]
        if len(bases) == 1:
            self.ratio(r, bases[0], f"{r.observable}_rel", "relative", 0.0)
        else:
            self.excluded[r.line] = ("no baseline row of this observable in this arm" if not bases
                                     else "ambiguous baseline: several baseline rows of this observable in this arm")

    def fold(self, r: Row) -> None:
        """A patient level at baseline over the study's control level (healthy or normal controls first)."""
        controls = [c for c in self.rows if _same(c, r) and _is_control(c) and c.time_days == 0]
        usable = sorted((c for c in controls if c.line not in self.excluded),
                        key=lambda c: not re.search(r"healthy|normal", f"{c.arm} {c.population}", re.I))
        if usable:
            n_c, why = self.sizes[usable[0].line][0], ""
            if n_c is None and self.sizes[r.line][0] is not None:
                n_c, why = self.sizes[r.line][0], "; control n assumed = patient n"
            self.ratio(r, usable[0], f"{r.observable}_fold", "fold_control", math.nan, n_c, why)
        elif controls:
            self.excluded[r.line] = ("the control value is an upper bound only (the fold would be a lower bound)"
                                     if all(c.statistic == "upper_bound" for c in controls)
                                     else "the control rows are excluded")

    def resolve(self, r: Row) -> None:
        """The reason for a live row that is neither a record nor excluded yet."""
        users = ", ".join(map(str, self.used_as_ref.get(r.line, [])))
        if users:
            what = "control reference of the fold rows" if _is_control(r) else "baseline reference (denominator) of"
            self.excluded[r.line] = f"{what} line(s) {users}"
        elif (r.study, r.arm, f"{r.observable}_rel") in self.printed_rel_arms:
            self.excluded[r.line] = f"baseline level: this arm's change is printed as {r.observable}_rel (used)"
        elif _is_control(r):
            self.excluded[r.line] = "control group with no patient row to compare in this study (or another control used)"
        elif r.observable in CYTOKINES:
            self.excluded[r.line] = ("cytokine level without a control group or a follow-up in the study "
                                     "(assays differ between studies; README)")
        else:
            self.excluded[r.line] = "baseline level only: no usable follow-up of this observable in this arm"

    def tables(self) -> ArmsTables:
        for r in self.live:
            self.classify(r)
        recorded = {rec["line"] for rec in self.records}
        for r in self.live:
            if r.line not in self.excluded and r.line not in recorded:
                self.resolve(r)
        records = impute(pd.DataFrame(self.records, columns=list(RECORD_COLUMNS)), self.median_se_factor)
        by_line = {r.line: r for r in self.rows}
        excluded = pd.DataFrame(
            [{**{c: getattr(by_line[line], c) for c in EXCLUDED_COLUMNS if c != "reason"}, "reason": reason}
             for line, reason in sorted(self.excluded.items())],
            columns=list(EXCLUDED_COLUMNS))
        return ArmsTables(records.sort_values("line", kind="stable").reset_index(drop=True), excluded)


def _same(a: Row, b: Row) -> bool:
    return a.study == b.study and a.observable == b.observable and a.unit == b.unit


def read_arms(
    path: str | os.PathLike,
    *,
    exclusions: Iterable[Exclusion] = DEFAULT_EXCLUSIONS,
    n_scale: Mapping[tuple[str, str], float] = DEFAULT_N_SCALE,
    median_se_factor: float = 1.0,
) -> ArmsTables:
    """Read and validate an arm table into (records, excluded); see the module docstring for the rules."""
    return _Reader(parse_rows(path), tuple(exclusions), n_scale, median_se_factor).tables()
