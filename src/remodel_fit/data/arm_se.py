"""Standard errors of arm-level summaries: from the printed spread, by propagation, or imputed.

The SE is that of the reported statistic, on the value's own scale (n = the arm's size):

``se``             as printed.
``sd``             SD / sqrt(n).
``pm_unlabelled``  a "mean +/- x" without a label, read as an SD: x / sqrt(n). In a descriptive
                   table that is the convention, and read as SEs the implied SDs would be
                   implausible (CTX 0.32 +/- 0.21 ng/mL with n = 76 would mean SD 1.8, CV 570 %).
``ci95``           (high - low) / (2 * 1.96), a normal CI.
``iqr``            (q3 - q1) / 1.35 / sqrt(n): SD ~ IQR / eta(n), eta(n) = 2 Phi^-1((0.75 n -
                   0.125) / (n + 0.25)), whose large-n limit 1.35 is used (Wan et al. 2014,
                   BMC Med Res Methodol 14:135; at n = 23 eta = 1.27, so the SE is ~6 % low).
``range``          (max - min) / xi(n) / sqrt(n), xi(n) = 2 Phi^-1((n - 0.375) / (n + 0.25)),
                   the expected range of n normal draws (Wan et al. 2014, improving Hozo et al.
                   2005, BMC Med Res Methodol 5:13: range/4 for 15 < n <= 70, range/6 above).
``p10_p90``        (p90 - p10) / (2 * 1.2816) / sqrt(n), the normal-quantile argument of the IQR.
``none``, ``unspecified``, or n unknown
                   imputed (:func:`impute`): the family's pooled SD / sqrt(n), with
                   ``se_imputed`` True. The pooled SD of a family (:data:`FAMILY`) is the median
                   of SE * sqrt(n) over its donor rows: rows with their own printed spread and
                   printed n, not meta-analytic pooled rows, not derived ratios. A ratio
                   observable (:data:`RATIO_FAMILIES`) pools its two families in quadrature.
                   With no pool or no n the SE stays NaN and ``se_method`` starts with "free":
                   such a row needs a free noise term.
ratio R = x1 / x0  R * sqrt((se1/x1)^2 + (se0/x0)^2), the delta method for independent
                   estimates (:func:`ratio_se`). For repeated measures on the same patients it is
                   conservative (no within-patient correlation is reported, so rho = 0).

For a median the SD-based SEs are multiplied by ``median_se_factor`` (default 1; sqrt(pi/2) =
1.2533 is the large-sample SE of a median under normality). Printed percent changes need no
conversion: the table stores 1 + p/100 and converts their SEM/CI/IQR the same way.
"""

from __future__ import annotations

import math
import re
from statistics import NormalDist, median

import pandas as pd

from .arm_rows import Row

Z95 = NormalDist().inv_cdf(0.975)
IQR_DIVISOR = 1.35
P10_P90_DIVISOR = 2.0 * NormalDist().inv_cdf(0.90)
MEDIAN_STATS = frozenset({"median", "median_rel"})
BMD = frozenset({"bmd_ls", "bmd_th", "bmd_fn"})
MARKERS = frozenset({"ctx", "p1np", "osteocalcin", "rankl", "opg"})
CYTOKINES = frozenset({"tnf", "il6", "il1b"})
FAMILY: dict[str, str] = {
    **{f"{o}_rel": "bmd_rel" for o in BMD},
    "ctx_rel": "resorption_rel", "p1np_rel": "formation_rel", "osteocalcin_rel": "formation_rel",
    "rankl_rel": "rankl_opg_rel", "opg_rel": "rankl_opg_rel",
    **{f"{o}_rel": "cytokine_rel" for o in CYTOKINES},
    "crp_rel": "crp_rel", "das28": "das28", "crp": "crp",
}
"""Observable -> the family whose pooled SD imputes its missing SEs."""
RATIO_FAMILIES: dict[str, tuple[str, str]] = {"ctx_oc_ratio_rel": ("resorption_rel", "formation_rel")}
"""Ratio observables -> the two families pooled in quadrature."""


def disease(population: str) -> str:
    """'ra', 'axspa', 'crohn', 'control' (healthy, normal or disease controls) or 'other'."""
    if re.search(r"\bRA\b|rheumatoid", population, re.I):
        return "ra"
    if re.search(r"\bAS\b|ankylosing|axial SpA|axSpA", population):
        return "axspa"
    if re.search(r"crohn", population, re.I):
        return "crohn"
    return "control" if re.search(r"healthy|normal|control", population, re.I) else "other"


def range_divisor(n: int) -> float:
    """xi(n) = 2 Phi^-1((n - 0.375) / (n + 0.25)): the expected range of n normal draws in SDs (Wan 2014)."""
    return 2.0 * NormalDist().inv_cdf((n - 0.375) / (n + 0.25))


def spread_se(row: Row, n: float | None, median_se_factor: float = 1.0) -> tuple[float, str]:
    """SE of ``row``'s statistic from its printed spread, and the rule used (NaN if not derivable)."""
    kind, s = row.spread_kind, row.spread
    if kind == "se":
        return s[0], "se as printed"
    if kind == "ci95":
        return (s[1] - s[0]) / (2 * Z95), "ci95: (high-low)/3.92"
    if kind in ("none", "unspecified"):
        return math.nan, f"{kind}: not derivable"
    if n is None:
        return math.nan, f"{kind}: n missing"
    if kind == "sd":
        sd, rule = s[0], "sd/sqrt(n)"
    elif kind == "pm_unlabelled":
        sd, rule = s[0], "pm_unlabelled read as SD: x/sqrt(n)"
    elif kind == "iqr":
        sd, rule = (s[1] - s[0]) / IQR_DIVISOR, "iqr: (q3-q1)/1.35/sqrt(n)"
    elif kind == "range":
        sd, rule = (s[1] - s[0]) / range_divisor(max(int(n), 2)), "range: (max-min)/xi(n)/sqrt(n) [Wan 2014]"
    else:  # p10_p90
        sd, rule = (s[1] - s[0]) / P10_P90_DIVISOR, "p10_p90: (p90-p10)/2.563/sqrt(n)"
    factor = median_se_factor if row.statistic in MEDIAN_STATS else 1.0
    return factor * sd / math.sqrt(n), rule + (f" x {factor:.4g} (median)" if factor != 1.0 else "")


def ratio_se(ratio: float, num: tuple[float, float], den: tuple[float, float]) -> float:
    """Delta method for num/den, each (value, se), independent: ratio * sqrt(cv_num^2 + cv_den^2)."""
    return abs(ratio) * math.hypot(num[1] / num[0], den[1] / den[0])


def pooled_sd(records: pd.DataFrame) -> dict[str, float]:
    """Family -> median of SE * sqrt(n) over donor records (printed spread and n; no meta-analyses, no ratios)."""
    donor = records[records["se"].notna() & records["n_source"].isin(["printed", "scaled"])
                    & (records["statistic"] != "pooled_mean_rel")
                    & ~records["se_method"].str.startswith("propagated")
                    & records["kind"].isin(["relative", "annual_rate", "absolute"])]
    pools: dict[str, list[float]] = {}
    for obs, se, n in zip(donor["observable"], donor["se"], donor["n"], strict=True):
        if obs in FAMILY:
            pools.setdefault(FAMILY[obs], []).append(se * math.sqrt(n))
    out = {family: median(values) for family, values in pools.items()}
    for ratio, (a, b) in RATIO_FAMILIES.items():
        if a in out and b in out:
            out[ratio] = math.hypot(out[a], out[b])
    return out


def impute(records: pd.DataFrame, median_se_factor: float = 1.0) -> pd.DataFrame:
    """Records with missing SEs filled as pooled SD / sqrt(n); NaN ("free: ...") without a pool or n."""
    if records.empty:
        return records
    pools = pooled_sd(records)
    se: list[float] = []
    method: list[str] = []
    for obs, stat, n, old, why in zip(records["observable"].astype(str), records["statistic"].astype(str),
                                      records["n"].astype(float), records["se"].astype(float),
                                      records["se_method"].astype(str), strict=True):
        family = obs if obs in RATIO_FAMILIES else FAMILY.get(obs, "")
        if not math.isnan(old):
            se.append(old)
            method.append(why)
        elif family in pools and not math.isnan(n):
            factor = median_se_factor if stat in MEDIAN_STATS else 1.0
            se.append(factor * pools[family] / math.sqrt(n))
            method.append(f"imputed: pooled SD {pools[family]:.3g} ({family}) / sqrt(n) [{why}]")
        else:
            se.append(math.nan)
            method.append(f"free: no SE ({why}; {'n missing' if family in pools else 'no pool'})")
    imputed = records["se"].isna().to_numpy() & ~pd.isna(pd.Series(se)).to_numpy()
    return records.assign(se=se, se_method=method, se_imputed=imputed)
