"""Anti-cytokine biologics: published population PK, label regimens, and arm schedules as dose events.

:data:`PK` holds the typical values of published population-PK models (each entry's
``source``; units: L, L/day, mg, mg/L = ug/mL; the concentration code is generic,
:mod:`remodel_fit.model.drugs`):

============== ================== ======= ====== ====== ====== ================ ==================
drug           model              CL      V1     Q      V2     SC ka, F         nonlinear
============== ================== ======= ====== ====== ====== ================ ==================
infliximab     2-cmt IV           0.407   3.29   7.14   4.13   --               --
 (axial SpA)   2-cmt IV           0.273   3.06   1.72   2.94   --               --
adalimumab     1-cmt SC           0.205   6.91   --     --     0.28/d, 0.64     --
etanercept     1-cmt SC           1.63    9.34   --     --     0.80/d, 0.58     --
tocilizumab    2-cmt IV/SC + MM   0.252   3.5    0.2    2.9    0.17/d, 0.8      Vmax 7.5 mg/d, Km 2.7
============== ================== ======= ====== ====== ====== ================ ==================

Published CL/F and V/F of SC-only drugs are multiplied by F to give CL and V. Checks against
published exposures are tests (tests/test_treatments.py): tocilizumab IV steady-state Cmax/Cmin
at 4 and 8 mg/kg (label 88.3/1.49 and 183/9.74 ug/mL) and SC 162 mg week-24 troughs (Abdallah
et al. 2017, J Clin Pharmacol 57:459: 40 ug/mL weekly, 7.4 every 2 weeks); the adalimumab
steady-state average (label: 8-9 ug/mL with MTX); the etanercept 25 mg twice-weekly trough
(Int J Clin Pharmacol Ther 2004;42:267: 2.0 ug/mL); the infliximab 3 mg/kg q8w steady-state trough
(median 1.4 mg/L in 147 RA patients in routine care, BMC Musculoskelet Disord 2012;13:184); the
infliximab (Fasanmade 2009: ~14 d) and tocilizumab (Frey 2010: ~21 d) half-lives.

:func:`regimen_for` turns an arm's ``drug`` and printed ``schedule`` into an :class:`ArmRegimen`,
a weighted mixture of :class:`Regimen` components: the amount (mg or mg/kg, "A or B"
alternatives as equal shares), route, induction weeks and interval ("every n weeks", "qnw",
"every other week", "weekly", "twice weekly"; a printed range uses its middle) are parsed; a
later dose that is not an "or" alternative (an escalation) is ignored; a ``tnfi_mixed`` arm is
split by drug name with shares from the printed n (else equal); an arm text that mentions
placebo adds a no-drug share (equal randomisation); what the text does not say comes from the
label regimen for the disease (:data:`LABEL`). Every such assumption is listed.

mg/kg doses use :data:`WEIGHT_KG` = 70 kg (Frey et al. 2010's RA population: median 67-73 kg;
no study of the arm table prints its mean weight). IV infusions (1-2 h) are treated as boluses.
For a mixture arm, simulate each component and average the response, not the concentration.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from ..data.arm_rows import Row
from ..data.arm_se import disease
from ..errors import ModelError
from ..model.drugs import Doses, DrugPK

WEIGHT_KG = 70.0
BIOLOGICS = ("infliximab", "adalimumab", "etanercept", "tocilizumab")

PK: dict[str, DrugPK] = {
    "infliximab": DrugPK(
        "infliximab", cl=0.407, v1=3.29, q=7.14, v2=4.13, mw_kda=149.1,
        source="Fasanmade et al. 2009, Eur J Clin Pharmacol 65:1211 (UC, n = 482, 2-cmt final-model typical values: "
               "CL 0.407 L/d, V1 3.29 L, Q 7.14 L/d, V2 4.13 L; t1/2 ~14 d). For RA, Ternant et al. 2014, Br J Clin "
               "Pharmacol doi 10.1111/bcp.12313 (n = 84): CL 0.46 L/d, V1 2.3 L, CL +20% over CRP 3->14 mg/L, "
               "-30% with MTX"),
    "infliximab_axspa": DrugPK(
        "infliximab", cl=0.273, v1=3.06, q=1.72, v2=2.94, mw_kda=149.1,
        source="J Clin Pharmacol 2008;48:681 (PMID 18401017; AS, n = 274 over 2 years, 2-cmt linear: CL 0.273 L/d, "
               "V1 3.06 L, Q 1.72 L/d, V2 2.94 L; antibodies to infliximab raise CL 42-77%)"),
    "adalimumab": DrugPK(
        "adalimumab", cl=0.32 * 0.64, v1=10.8 * 0.64, ka=0.28, f=0.64, mw_kda=148.0,
        source="Ternant et al. 2015, Br J Clin Pharmacol 79:286 (RA, n = 30, 1-cmt: CL/F 0.32 L/d, V/F 10.8 L, "
               "ka 0.28/d); F 0.64 from the Humira label (40 mg SC in healthy adults). Ducourau et al. 2013 "
               "(ARD 72 Suppl 3:A229): V/F 12.4 L, CL/F 0.31 L/d, ka 0.41/d"),
    "etanercept": DrugPK(
        "etanercept", cl=0.117 * 24 * 0.58, v1=0.117 * 95.4 / math.log(2) * 0.58, ka=math.log(2) / 20.9 * 24,
        f=0.58, mw_kda=150.0,
        source="Lee, Kimko, Rogge, Wang, Nestorov, Peck, PAGE abstract 350 (RA, n = 102): CL/F 0.117 L/h in women, "
               "absorption t1/2 20.9 h, elimination t1/2 95.4 h (V/F 16.1 L derived from CL/F and t1/2); F 0.58 "
               "from the J Clin Pharmacol 2005;45:490 review"),
    "tocilizumab": DrugPK(
        "tocilizumab", cl=0.3 * 0.84, v1=3.5, q=0.2, v2=2.9, vmax=7.5, km=2.7, ka=0.17, f=0.8, mw_kda=148.0,
        source="Frey, Grange, Woodworth 2010, J Clin Pharmacol 50:754, Table II (RA, n = 1793, 2-cmt + "
               "Michaelis-Menten: CL 0.3 L/d for the male reference, -16% in women, used here; V1 3.5 L, "
               "Q 0.2 L/d, V2 2.9 L, Vmax 7.5 mg/d, Km 2.7 mg/L). SC ka 0.17/d and F 0.8: US-label values, not "
               "retrieved from a stored source; they reproduce Abdallah et al. 2017's week-24 troughs and sit above "
               "the week-12 means of Int J Clin Pharmacol Ther 2013;51:620 (within 1.5 SD; tested)"),
}
"""Published population-PK typical values per drug (``infliximab_axspa``: the AS population)."""


def pk_for(drug: str, disease_name: str = "ra") -> DrugPK:
    """The PK set of ``drug`` (infliximab in axial SpA: the AS population model, PMID 18401017)."""
    key = f"{drug}_axspa" if drug == "infliximab" and disease_name == "axspa" else drug
    if key not in PK:
        raise ModelError(f"no PK for drug {drug!r}; known: {', '.join(sorted(PK))}")
    return PK[key]


@dataclass(frozen=True)
class Regimen:
    """``amount`` (mg, or mg/kg if ``per_kg``) by ``route`` at ``loading_weeks`` (induction),
    then every ``interval_days`` from the last induction dose (from day 0 without induction)."""

    drug: str
    amount: float
    per_kg: bool
    route: str
    interval_days: float
    loading_weeks: tuple[float, ...] = ()

    def describe(self) -> str:
        unit = "mg/kg" if self.per_kg else "mg"
        load = f" wk {','.join(f'{w:g}' for w in self.loading_weeks)} then" if self.loading_weeks else ""
        return f"{self.drug} {self.amount:g} {unit} {self.route.upper()}{load} every {self.interval_days:g} d"


class Component(NamedTuple):
    """A share of an arm on one regimen (``regimen`` None: the share without the biologic, e.g. placebo)."""

    weight: float
    regimen: Regimen | None


@dataclass(frozen=True)
class ArmRegimen:
    """An arm's regimen mixture, the assumptions made, and whether the dose was printed (not only the label)."""

    components: tuple[Component, ...]
    assumptions: tuple[str, ...]
    printed: bool


LABEL: dict[tuple[str, str], Regimen] = {
    ("infliximab", "ra"): Regimen("infliximab", 3.0, True, "iv", 56.0, (0, 2, 6)),
    ("infliximab", "axspa"): Regimen("infliximab", 5.0, True, "iv", 42.0, (0, 2, 6)),
    ("infliximab", "crohn"): Regimen("infliximab", 5.0, True, "iv", 56.0, (0, 2, 6)),
    ("adalimumab", "ra"): Regimen("adalimumab", 40.0, False, "sc", 14.0),
    ("etanercept", "ra"): Regimen("etanercept", 50.0, False, "sc", 7.0),
    ("tocilizumab", "ra"): Regimen("tocilizumab", 8.0, True, "iv", 28.0),
}
"""Label regimens: Remicade (RA 3 mg/kg wk 0, 2, 6 then q8w; AS 5 mg/kg then q6w; Crohn 5 mg/kg then q8w),
Humira 40 mg q2w, Enbrel 50 mg weekly, RoActemra (EU) 8 mg/kg IV q4w (the US label starts at 4 mg/kg)."""
NO_BIOLOGIC = {"placebo": "placebo: no biologic", "mtx": "csDMARD (MTX) only: no biologic dosed",
               "none": "no biologic", "mixed": "routine care / strategy arm: biologic exposure not dosed (covariate)",
               "denosumab": "denosumab: dosed through the model's denosumab_mg input, not here"}

_DOSE = re.compile(r"(\d+(?:\.\d+)?)(?:\s*or\s*(\d+(?:\.\d+)?))?\s*mg(/kg)?\b(?!\s*/\s*(?:d|day|wk|week)\b)")
_LOADING = re.compile(r"(?:weeks?|wk)\s*(\d+(?:\s*,\s*\d+)+)")
_INTERVALS: tuple[tuple[re.Pattern[str], float | None], ...] = (
    (re.compile(r"twice\s+(?:a\s+)?week(?:ly)?"), 3.5),
    (re.compile(r"every\s+other\s+week|\beow\b"), 14.0),
    (re.compile(r"(?:every\s+|\bq)(\d+)\s*[-\u2013]\s*(\d+)\s*(?:weeks?|w)\b"), None),  # a range: its middle
    (re.compile(r"(?:every\s+|\bq)(\d+)\s*(?:weeks?|w)\b"), None),
    (re.compile(r"\bweekly\b|every\s+week|\bqw\b"), 7.0),
)
_TNF_INHIBITORS = ("infliximab", "etanercept", "adalimumab")


def _interval(text: str) -> tuple[float | None, str]:
    """Dosing interval (days) printed in ``text`` and a note if it was a range; None if absent."""
    for pattern, days in _INTERVALS:
        m = pattern.search(text)
        if m and days is not None:
            return days, ""
        if m and m.lastindex == 2:
            lo, hi = int(m.group(1)), int(m.group(2))
            return 3.5 * (lo + hi), f"interval printed as {lo}-{hi} weeks: {(lo + hi) / 2:g} weeks used"
        if m:
            return 7.0 * int(m.group(1)), ""
    return None, ""


def _route(text: str, drug: str, per_kg: bool) -> str:
    """'iv' or 'sc' as printed; else IV for infliximab and mg/kg doses, SC for fixed doses."""
    if re.search(r"\bIV\b|i\.v\.|intraven", text, re.I):
        return "iv"
    if re.search(r"s\.c\.|\bSC\b|subcut", text, re.I):
        return "sc"
    return "iv" if drug == "infliximab" or per_kg else "sc"


def _label_segment(drug: str, text: str, label: Regimen, loading: tuple[float, ...]) -> tuple[list[Component], list[str]]:
    """The label regimen, with the interval and induction weeks the text does print."""
    interval, why = _interval(text)
    regimen = replace(label, interval_days=interval or label.interval_days, loading_weeks=loading or label.loading_weeks)
    unit = "mg/kg" if label.per_kg else "mg"
    note = (f"{drug}: dose not in the text: label {label.amount:g} {unit}"
            + ("" if interval else f", every {label.interval_days:g} d")
            + ("" if loading or not label.loading_weeks
               else f", label induction weeks {','.join(f'{w:g}' for w in label.loading_weeks)}"))
    return [Component(1.0, regimen)], [note] + ([f"{drug}: {why}"] if why else [])


def _segment(drug: str, text: str, disease_name: str) -> tuple[list[Component], list[str], bool]:
    """Components of one drug's part of a schedule text; the label fills what is missing."""
    label = LABEL.get((drug, disease_name)) or LABEL[(drug, "ra")]
    doses_found = list(_DOSE.finditer(text))
    loading = tuple(float(w) for w in re.split(r"\s*,\s*", m.group(1))) if (m := _LOADING.search(text)) else ()
    if not doses_found:
        return (*_label_segment(drug, text, label, loading), False)
    alternatives = [doses_found[0]] + [d for prev, d in pairwise(doses_found)
                                       if re.search(r"\bor\b", text[prev.end():d.start()])]
    notes = []
    ignored = [d.group(0) for d in doses_found if d not in alternatives]
    if ignored:
        notes.append(f"{drug}: later dose mention(s) ignored: {', '.join(ignored)}")
    parts: list[Component] = []
    for k, m in enumerate(alternatives):
        window = text[m.start():alternatives[k + 1].start() if k + 1 < len(alternatives) else len(text)]
        interval, why = _interval(window)
        if interval is None:
            interval, why = _interval(text)
        if why:
            notes.append(f"{drug}: {why}")
        if interval is None:
            interval = label.interval_days
            notes.append(f"{drug}: interval not in the text; label every {interval:g} d")
        per_kg = m.group(3) is not None
        route = _route(window, drug, per_kg)
        parts += [Component(1.0, Regimen(drug, float(a), per_kg, route, interval, loading))
                  for a in (m.group(1), m.group(2)) if a]
    if len(parts) > 1:
        notes.append(f"{drug}: alternatives {' / '.join(c.regimen.describe() for c in parts if c.regimen)}: "
                     "equal shares")
    return [Component(1.0 / len(parts), c.regimen) for c in parts], notes, True


def _segments(drug: str, text: str) -> list[tuple[str, str, float | None]]:
    """(drug, its part of the text, its printed n) per drug of the arm."""
    if drug != "tnfi_mixed":
        return [(drug, text, None)]
    found = sorted((m.start(), d) for d in _TNF_INHIBITORS if (m := re.search(d, text, re.I)))
    if not found:
        return [(d, "", None) for d in _TNF_INHIBITORS]
    bounds = [s for s, _ in found] + [len(text)]
    out = []
    for (start, d), stop in zip(found, bounds[1:], strict=True):
        part = text[start:stop]
        size = re.search(r"\(n\s*=\s*(\d+)\)", part)
        out.append((d, part if _DOSE.search(part) else "", float(size.group(1)) if size else None))
    return out


def regimen_for(drug: str, schedule: str, disease_name: str = "ra") -> ArmRegimen:
    """Dose regimen(s) of an arm from its ``drug`` and printed ``schedule`` (see the module docstring)."""
    if drug in NO_BIOLOGIC:
        return ArmRegimen((), (NO_BIOLOGIC[drug],), False)
    if drug not in (*BIOLOGICS, "tnfi_mixed"):
        raise ModelError(f"no schedule rules for drug {drug!r}; known: {', '.join((*BIOLOGICS, 'tnfi_mixed'))}")
    segments = _segments(drug, schedule)
    sizes = [n for _, _, n in segments if n is not None]
    total = sum(sizes) if len(sizes) == len(segments) else None
    notes: list[str] = []
    if drug == "tnfi_mixed":
        notes.append("drug shares from the printed n: " + ", ".join(f"{d} {n:g}" for d, _, n in segments) if total
                     else "drug shares not printed: equal shares of " + ", ".join(d for d, _, _ in segments))
    components: list[Component] = []
    printed = True
    for d, part, n in segments:
        parts, why, was_printed = _segment(d, part, disease_name)
        share = n / total if total and n is not None else 1.0 / len(segments)
        components += [Component(share * c.weight, c.regimen) for c in parts]
        notes += why
        printed &= was_printed
    if drug != "tnfi_mixed" and re.search(r"placebo", schedule, re.I):
        share = 1.0 / (len(components) + 1)
        components = [Component(c.weight * (1 - share), c.regimen) for c in components] + [Component(share, None)]
        notes.append(f"placebo patients in the reported arm: a {share:.2g} share without drug (equal randomisation)")
    return ArmRegimen(tuple(components), tuple(notes), printed)


def doses(regimen: Regimen, t_end: float, weight_kg: float = WEIGHT_KG) -> Doses:
    """Dose events of ``regimen`` from day 0 to ``t_end`` (inclusive)."""
    times = [7.0 * w for w in regimen.loading_weeks]
    t = times[-1] + regimen.interval_days if times else 0.0
    while t <= t_end + 1e-9:
        times.append(t)
        t += regimen.interval_days
    times = [x for x in times if x <= t_end + 1e-9]
    mg = regimen.amount * (weight_kg if regimen.per_kg else 1.0)
    return Doses(np.array(times), np.full(len(times), mg), np.full(len(times), regimen.route == "sc"))


class ArmSpec(NamedTuple):
    """One arm of an arm table: its drug, schedule text, disease and the study's last time (days)."""

    study: str
    arm: str
    drug: str
    schedule: str
    disease: str
    t_end: float


def arm_specs(rows: Iterable[Row]) -> list[ArmSpec]:
    """One :class:`ArmSpec` per (study, arm) of validated arm-table rows.

    Rows of one arm may print different schedule texts (a baseline row says "before first
    dose"): the first text with a dose in it is used, else the arm's first text.
    """
    rows = list(rows)
    t_end: dict[str, float] = {}
    by_arm: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        t_end[r.study] = max(t_end.get(r.study, 0.0), r.time_days)
        by_arm.setdefault((r.study, r.arm), []).append(r)
    out = []
    for (study, arm), group in by_arm.items():
        text = next((r.schedule for r in group if _DOSE.search(r.schedule)), group[0].schedule)
        out.append(ArmSpec(study, arm, group[0].drug, text, disease(group[0].population), t_end[study]))
    return out


def schedule_table(arms: Iterable[ArmSpec], weight_kg: float = WEIGHT_KG) -> list[dict]:
    """One entry per (study, arm, component): the regimen used, its dose count and the assumptions."""
    out = []
    for a in arms:
        regimen = regimen_for(a.drug, a.schedule, disease_name=a.disease)
        base = {"study": a.study, "arm": a.arm, "drug": a.drug, "disease": a.disease, "t_end": a.t_end,
                "dose_printed": regimen.printed, "assumptions": "; ".join(regimen.assumptions) or "as printed"}
        for c in regimen.components or (Component(1.0, None),):
            d = doses(c.regimen, a.t_end, weight_kg) if c.regimen else None
            out.append({**base, "share": c.weight, "regimen": c.regimen.describe() if c.regimen else "no biologic",
                        "n_doses": 0 if d is None else len(d.times),
                        "first_doses_days": "" if d is None else ",".join(f"{x:g}" for x in d.times[:5])})
    return out
