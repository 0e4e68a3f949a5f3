"""Default scenarios of the mission model: an inflamed patient untreated and treated.

Used by ``remodel-fit predict`` when ``fit.predict.scenarios`` is not set.
"""

from __future__ import annotations

from ..solve.scenarios import Scenario

INFLAMED_LEVELS = {"tnf": [(0.0, 23.0)], "il6": [(0.0, 30.0)]}
"""Rheumatoid-arthritis-like TNF-alpha 23 pg/mL and IL-6 30 pg/mL from day 0 (docs/model.md)."""

DEFAULT_SCENARIOS: dict[str, Scenario] = {
    "untreated": Scenario(description="TNF-alpha 23 and IL-6 30 pg/mL from day 0", levels=INFLAMED_LEVELS),
    "anti_tnf_m6": Scenario(
        description="inflamed; anti-TNF 40 mg every 14 days from month 6", levels=INFLAMED_LEVELS,
        doses={"anti_tnf_mg": {"start": 182.5, "every": 14, "amount": 40}},
    ),
    "denosumab_q6m": Scenario(
        description="inflamed; denosumab 60 mg every 6 months from day 0", levels=INFLAMED_LEVELS,
        doses={"denosumab_mg": {"start": 0, "every": 182.5, "amount": 60}},
    ),
}
