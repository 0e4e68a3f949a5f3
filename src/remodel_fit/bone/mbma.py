"""A model-based meta-analysis design: published arm records -> a :class:`Dataset` of one subject per arm.

Each arm (``study``/``arm``) is a virtual population whose mean trajectory the model predicts
(docs/data.md, "The meta-analysis design"):

- **inflammation as an input**: an arm of a disease (RA, axSpA, Crohn's) has the ``inflammation`` input at
  1 from day 0 (cytokines at fold^activity over the healthy reference), a control arm 0; the arm is followed
  for ``run_in_days`` of untreated disease before its own day 0 (``T0``), so its baseline is the inflamed
  state, not the healthy one;
- **treatment through the drug's PK**: a biologic arm's ``anti_inflammatory`` input is the fraction of the
  full treatment effect, C/(C + EC50) of the published population PK (:mod:`.treatments`), averaged over
  weekly (first 26 weeks) then 4-weekly intervals; a mixture arm averages its components' fractions by
  share (placebo shares 0);
- **records as predictions**: a ``relative`` record is the prediction at T0 + t over T0 + t_ref, an
  ``annual_rate`` 1 + (that ratio - 1) / years, a ``fold_control`` the prediction at T0 over the healthy
  start (``<obs>_fold`` -> ``<obs>_rel``); each with its SE as the table's sd;
- **covariates per arm**: disease (``axspa``, ``crohn``; RA is the reference), response stratum
  (``responder``: +1 good/major responders, -1 non-responders, 0 otherwise) and glucocorticoid exposure
  (``glucocorticoid``: 1/0 from the arm label, else the printed fraction of the population on steroids).

Records not used are listed with the reason (``unused``): disease-activity levels (DAS28, CRP in mg/L: no
model observable), an observable the model lacks, no SE, and a parent arm's record where its subgroups
report the same observable at the same time (they share patients).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..data.arm_rows import parse_rows
from ..data.arms import YEAR_DAYS, read_arms
from ..data.build import build_inputs
from ..data.dataset import Dataset
from ..data.tables import INPUT, SUBJECT, TIME, VALUE
from ..model.base import Model
from ..model.drugs import concentration
from .inflammation_v2.signals import ACTIVITY, TREATMENT
from .treatments import ArmSpec, arm_specs, doses, pk_for, regimen_for

RUN_IN_DAYS = 730.0
"""Untreated disease before an arm's day 0 (its baseline is the inflamed quasi-steady state)."""
TREATMENT_EC50_MG_L = 1.0
"""Serum concentration of half the full treatment effect, mg/L (assumed for every biologic: the order of the
therapeutic troughs; CRP normalises at tocilizumab above 1 ug/mL, Nishimoto et al. 2008)."""
WEEKLY_UNTIL = 182.0
DISEASES = ("ra", "axspa", "crohn")
COVARIATES = ("axspa", "crohn", "responder", "glucocorticoid")

_RESPONDER = re.compile(r"good_responders|major_improvement|BASDAI_responders")
_NON_RESPONDER = re.compile(r"non_responders|non_good|no_or_clinically")
_GC_YES = re.compile(r"with_prednisone|GC_ge_5mg|prednisolone_\d")
_GC_NO = re.compile(r"without_prednisone|GC_lt_5mg|no_prednisolone")
_GC_SHARE = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*(?:on\s+)?(?:oral\s+)?(?:gluco|steroid|cortico|prednis)", re.I)


class MbmaDesign(NamedTuple):
    """The dataset (one subject per arm, group = study), the arm table and the records used and not used."""

    dataset: Dataset
    arms: pd.DataFrame
    used: pd.DataFrame
    unused: pd.DataFrame


def treatment_effect(spec: ArmSpec, t_end: float, ec50: float = TREATMENT_EC50_MG_L) -> tuple[np.ndarray, np.ndarray]:
    """(start times, levels) of the ``anti_inflammatory`` input of one arm from its day 0: the share-weighted
    mean of C/(C + ec50) over each interval (weekly to day 182, then 28-day); empty without a biologic."""
    regimen = regimen_for(spec.drug, spec.schedule, disease_name=spec.disease)
    parts = [c for c in regimen.components if c.regimen is not None]
    if not parts:
        return np.zeros(0), np.zeros(0)
    edges = np.unique(np.concatenate([np.arange(0.0, min(t_end, WEEKLY_UNTIL), 7.0),
                                      np.arange(WEEKLY_UNTIL, t_end, 28.0), [t_end]]))
    days = np.arange(0.0, t_end + 1.0)
    effect = np.zeros_like(days)
    for c in parts:
        conc = np.asarray(concentration(pk_for(c.regimen.drug, spec.disease), doses(c.regimen, t_end), days + 1e-6))
        effect += c.weight * conc / (conc + ec50)
    starts = edges[:-1]
    levels = np.array([effect[(days >= a) & (days < b)].mean() if b > a else effect[-1]
                       for a, b in zip(edges[:-1], edges[1:])])
    return starts, levels


def arm_covariates(study: str, arm: str, disease: str, population: str) -> dict[str, float]:
    """The covariates of one arm (module docstring)."""
    gc = 1.0 if _GC_YES.search(arm) else 0.0 if _GC_NO.search(arm) else None
    if gc is None:
        m = _GC_SHARE.search(population)
        gc = float(m.group(1)) / 100.0 if m else 0.0
    responder = -1.0 if _NON_RESPONDER.search(arm) else 1.0 if _RESPONDER.search(arm) else 0.0
    return {"axspa": float(disease == "axspa"), "crohn": float(disease == "crohn"), "responder": responder,
            "glucocorticoid": gc}


def _model_observable(record) -> str:
    return f"{record.observable.removesuffix('_fold')}_rel" if record.kind == "fold_control" else record.observable


def select_records(records: pd.DataFrame, model: Model) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(used, unused): the records a model predicts (with ``model_observable``) and the others with ``reason``."""
    r = records.copy()
    r["model_observable"] = [_model_observable(x) for x in r.itertuples()]
    reason = pd.Series("", index=r.index, dtype=object)
    reason[r["kind"] == "absolute"] = "disease-activity level (DAS28 score or CRP in mg/L): no model observable"
    lacking = (reason == "") & ~r["model_observable"].isin(model.observable_names)
    reason[lacking] = [f"model {model.name} has no observable {o}" for o in r.loc[lacking, "model_observable"]]
    no_se = (reason == "") & ~(r["se"] > 0)
    reason[no_se] = "no standard error (no spread and no n to impute one)"
    keyed = r[reason == ""]
    reported = set(zip(keyed["study"], keyed["parent_arm"], keyed["model_observable"], keyed["time_days"]))
    parent = [(reason[i] == "" and (x.study, x.arm, x.model_observable, x.time_days) in reported)
              for i, x in zip(r.index, r.itertuples())]
    reason[parent] = "parent arm: its subgroups report this observable at this time (they share patients)"
    return r[reason == ""].reset_index(drop=True), r[reason != ""].assign(reason=reason[reason != ""]).reset_index(drop=True)


def mbma_design(records: pd.DataFrame, specs: Iterable[ArmSpec], model: Model, run_in_days: float = RUN_IN_DAYS,
                ec50: float = TREATMENT_EC50_MG_L) -> MbmaDesign:
    """The meta-analysis dataset of ``records`` (:func:`remodel_fit.data.arms.read_arms`) for ``model``, with the
    arms' regimens from ``specs`` (:func:`.treatments.arm_specs`)."""
    used, unused = select_records(records, model)
    spec_of = {(s.study, s.arm): s for s in specs}
    arms_rows = list(used.groupby(["study", "arm"], sort=False))
    keys = [key for key, _ in arms_rows]
    subjects = tuple(f"{s}/{a}" for s, a in keys)
    t0 = float(run_in_days)
    arm_rows, conditions = [], []
    for ((study, arm), rows), subject in zip(arms_rows, subjects):
        first = rows.iloc[0]
        diseased = first["disease"] in DISEASES
        conditions.append((subject, 0.0, ACTIVITY, 1.0 if diseased else 0.0))
        starts, levels = treatment_effect(spec_of[(study, arm)], max(float(rows["time_days"].max()), 1.0), ec50)
        if levels.size:
            conditions += [(subject, 0.0, TREATMENT, 0.0)]
            conditions += [(subject, t0 + a, TREATMENT, float(v)) for a, v in zip(starts, levels)]
        mean_effect = float(levels[starts >= min(84.0, starts[-1])].mean()) if levels.size else 0.0
        arm_rows.append({"subject": subject, "study": study, "arm": arm, "disease": first["disease"],
                         "drug": first["drug"], "n": first["n"], "treatment_effect": mean_effect,
                         **arm_covariates(study, arm, first["disease"], str(first["population"]))})
    arms = pd.DataFrame(arm_rows)
    subject_of = dict(zip(keys, subjects))
    used["subject"] = [subject_of[(s, a)] for s, a in zip(used["study"], used["arm"])]
    fold = used["kind"] == "fold_control"
    t_meas = t0 + np.where(fold, 0.0, used["time_days"].to_numpy(float))
    t_ref = np.where(fold, np.nan, t0 + used["t_ref"].fillna(0.0).to_numpy(float))
    times = np.unique(np.concatenate([[0.0], t_meas, t_ref[np.isfinite(t_ref)]]))
    observables = tuple(o for o in model.observable_names if o in set(used["model_observable"]))
    cond = pd.DataFrame(conditions, columns=[SUBJECT, TIME, INPUT, VALUE])
    used = used.assign(fit_time_days=t_meas, fit_ref_days=t_ref)
    dataset = Dataset(
        subjects=subjects,
        groups=tuple(arms["study"]),
        times=times,
        observables=observables,
        subject_index=used["subject"].map({s: i for i, s in enumerate(subjects)}).to_numpy(np.int32),
        time_index=np.searchsorted(times, t_meas).astype(np.int32),
        observable_index=used["model_observable"].map({o: i for i, o in enumerate(observables)}).to_numpy(np.int32),
        values=used["value"].to_numpy(float),
        sd=used["se"].to_numpy(float),
        inputs=build_inputs(cond, subjects, model),
        ref_time_index=np.where(np.isfinite(t_ref), np.searchsorted(times, np.nan_to_num(t_ref)), -1).astype(np.int32),
        annual_years=np.where(used["kind"] == "annual_rate",
                              (used["time_days"] - used["t_ref"].fillna(0.0)) / YEAR_DAYS, 0.0).astype(float),
        covariates={c: arms[c].to_numpy(float) for c in COVARIATES},
    )
    return MbmaDesign(dataset, arms, used, unused)


def read_design(arms: str, model: Model, median_se_factor: float = 1.0, run_in_days: float = RUN_IN_DAYS,
                ec50: float = TREATMENT_EC50_MG_L) -> MbmaDesign:
    """Read an arm table (:func:`~remodel_fit.data.arms.read_arms`) and build its meta-analysis design."""
    records = read_arms(arms, median_se_factor=median_se_factor).records
    return mbma_design(records, arm_specs(parse_rows(arms)), model, run_in_days, ec50)
