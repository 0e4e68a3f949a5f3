"""Parameters of ``bone_inflammation_v2`` with unit, source and status.

Calibrated defaults are the least-squares values of the fit to the issue-17 calibration arms
(McClung 2006 dose arms, Bone 2011 denosumab and placebo, Leder 2014 denosumab / teriparatide /
combination, McClung 2017; log-scale residuals with the published error bars and a discrepancy sd
per observable; docs/model.md). Values of the published cores are taken from their models
(one home: ``model/pivonka.py``, ``bone/inflammation.py``, ``bone/cytokines.py``).
"""

from __future__ import annotations

from dataclasses import replace

from ...model import pivonka
from ...model.base import Parameter
from .. import cytokines, inflammation

PIV = pivonka.SRC
MR = "Martinez-Reina & Pivonka 2019 Bone 125:87; 2022 Front Bioeng Biotechnol 10:886579"
MAR = "Marathe et al. 2008 (denosumab population PK as tabulated by Martinez-Reina & Pivonka 2019/2022)"
JOERG = "Joerg et al. 2022 eLife 11:e76228 (calibrated parameter set)"
TERI = "Forteo label/SmPC; Satterwhite et al. 2010 Calcif Tissue Int 87:485"
FIT = "least squares to the issue-17 calibration arms (docs/model.md)"
NG_PER_ML_TO_PM = 1e3 / inflammation.DENOSUMAB_KDA
"""1 ng/mL of denosumab (147 kDa) in pM (6.80)."""
BODY_WEIGHT = 60.0
"""kg, reference body weight of Martinez-Reina & Pivonka 2022 (scales the per-kg PK)."""
LN2 = 0.6931471805599453


def _p(name, default, unit, text, source, status, group="core", **kw) -> Parameter:
    return Parameter(name, default, unit, text, source, group=group, status=status, **kw)


def _reuse(params: tuple[Parameter, ...], *names: str) -> tuple[Parameter, ...]:
    by_name = {p.name: p for p in params}
    return tuple(by_name[n] for n in names)


_PIV = {p.name: p for p in pivonka.PARAMETERS}
CORE: tuple[Parameter, ...] = _reuse(pivonka.PARAMETERS, "D_OBp") + (
    replace(_PIV["A_OBa"], default=0.3090106603170174, source=f"{FIT}; Pivonka 2008: 0.189/d", status="calibrated"),
    replace(_PIV["K_D1"], default=0.0013059585349133919, source=f"{FIT}; Pivonka 2008: 4.5e-3 pM", status="calibrated"),
    _PIV["K_D2"],
    replace(_PIV["K_D3"], default=0.012, status="calibrated",
            source=f"{FIT} (0.0164, set by hand to 0.012 for CTX at day 14 of denosumab); Pivonka 2008: 4.5e-3 pM"),
) + _reuse(pivonka.PARAMETERS, "K_D4", "K_D6", "beta_PTH", "Dt_PTH", "beta_OPG", "OPG_max", "Dt_OPG", "R_RANKL",
           "beta_RANKL", "Dt_RANKL", "K_A1", "K_A2", "RANK", "K_D8") + (
    _p("oca_ref", 8.069635262731931e-4, "pM", "active osteoclasts at the healthy steady state (sets the pool rates)",
       "Pivonka et al. 2008 steady state (computed from model/pivonka.py; tested)", "published"),
    _p("obu_supply_ref", 7e-4 * 0.15076616129674641, "pM/d",
       "osteoblast supply D_OBu pi_act,OBu at the healthy steady state (sets D_OBu)",
       "Pivonka et al. 2008 steady state (computed from model/pivonka.py; tested)", "published"),
    _p("phi", 0.9, "1", "fraction of osteoclast precursors that differentiate at baseline (the rest are lost)",
       "set by hand (rebound size); Joerg et al. 2022: no precursor death (phi = 1)", "assumed", upper=1.0),
    _p("tau", 470.0, "d", "residence time of osteoclast precursors in the pool at baseline",
       "set by hand (rebound size vs treatment length; Martinez-Reina & Pivonka 2022: a variable pool)", "assumed"),
    _p("w_mcsf", 0.0, "1", "coupling of the precursor influx to osteoblast precursors, (OBp/OBp0)^w_mcsf "
       "(M-CSF from the osteoblast lineage); 0: constant influx (Joerg 2022)", "assumed (structural option, off)",
       "assumed", positive=False, upper=5.0),
    _p("A_OCa", 5.64874468409633, "1/d", "active osteoclast removal rate (times Pivonka's TGF-beta term)", MR,
       "published"),
    _p("e_surv", 0.6819260114387398, "1", "RANKL-dependent osteoclast survival, (1 + e)/(1 + e pi_L/pi_L0); 0: off",
       f"{FIT}; structure Peterson & Riggs 2010", "calibrated", positive=False, upper=100.0),
    _p("K_ana", 61.15829456395687, "pM", "PTH level of half-maximal anabolic (osteoblast) response", FIT,
       "calibrated"),
    _p("n_ana", 4.0, "1", "Hill exponent of the anabolic PTH response (steep: daily pulses act, an infusion of "
       "the same daily amount does not)", "assumed (structural choice)", "assumed", upper=12.0),
    _p("E_pth_obu", 2.163254255574899, "1", "maximal PTH increase of osteoblast recruitment (D_OBu multiplied)",
       FIT, "calibrated", positive=False, upper=1e3),
    _p("E_pth_oba", 33.97355846743594, "1", "maximal PTH increase of osteoblast survival (A_OBa divided)", FIT,
       "calibrated", positive=False, upper=1e3),
    _p("E_pth_ocp", 5.553284252348702, "1", "maximal PTH increase of the osteoclast-precursor influx (Joerg 2022 "
       "beta^pth_C*: PTH drives osteoclastogenesis)", FIT, "calibrated", positive=False, upper=1e3),
)

DRUGS: tuple[Parameter, ...] = (
    _p("dmab_ka", 0.17, "1/d", "denosumab SC absorption rate", MAR, "published", "drug"),
    _p("dmab_F", 1.0, "1", "denosumab bioavailability (folded into V/F)", MAR, "published", "drug", upper=1.0),
    _p("dmab_V", 77.9e-3 * BODY_WEIGHT, "L", "denosumab apparent central volume V/F (77.9 mL/kg x 60 kg)", MAR,
       "published", "drug"),
    _p("dmab_kel", 0.0115, "1/d", "denosumab linear elimination rate", MAR, "published", "drug"),
    _p("dmab_vmax", 2672.0 / 77.9 * NG_PER_ML_TO_PM, "pM/d",
       "denosumab target-mediated elimination capacity (2672 ng/kg/d / 77.9 mL/kg)", MAR, "published", "drug"),
    _p("dmab_km", 411.0 * NG_PER_ML_TO_PM, "pM", "denosumab target-mediated elimination half-saturation (411 ng/mL)",
       MAR, "published", "drug"),
    _p("dmab_kA", 1.310692844013448, "1/pM", "RANKL decoy binding of serum denosumab in bone (at low concentration when dmab_hill = 1)",
       f"{FIT}; Martinez-Reina & Pivonka: chi K_den = 4e-3/pM", "calibrated", "drug"),
    _p("dmab_csat", 69.00753490452384, "pM", "serum denosumab above which its decoy effect in bone saturates "
       "(limited bone access): decoy = kA csat x^h/(1 + x^h), x = C/csat", FIT, "calibrated", "drug"),
    _p("dmab_hill", 1.0, "1", "Hill exponent of the decoy's saturation in serum denosumab (1: kA C/(1 + C/csat); "
       "larger: a decoy that holds near its maximum, then falls off over a narrower range of C)",
       "assumed (1: the hyperbolic form); calibrated by config/clinical_v2.yaml's posterior", "assumed", "drug", lower=0.1),
    _p("teri_ka", 24.0 * LN2, "1/d", "teriparatide SC absorption rate (SC half-life ~1 h)", TERI, "published", "drug"),
    _p("teri_ke", 24.0 * 60.0 / 5.0 * LN2, "1/d", "teriparatide elimination rate (IV half-life ~5 min)", TERI,
       "published", "drug"),
    _p("teri_V", 62.0 / (60.0 / 5.0 * LN2), "L", "teriparatide volume CL/ke (CL 62 L/h in women)", TERI, "published",
       "drug"),
    _p("teri_F", 0.95, "1", "teriparatide SC bioavailability", TERI, "published", "drug", upper=1.0),
) + _reuse(inflammation.PARAMETERS, *(f"{d}_{k}" for d in ("atnf", "ail6") for k in ("ka", "F", "V", "kel", "ic50")))

MARKERS: tuple[Parameter, ...] = (
    _p("q_ctx", 1.160526444, "1", "CTX = resorption^q_ctx", JOERG, "published", "marker"),
    _p("q_p1np", 1.453273548, "1", "P1NP = formation^q_p1np", JOERG, "published", "marker"),
    _p("q_bsap", 0.923890022, "1", "BSAP = formation^q_bsap", JOERG, "published", "marker"),
    _p("q_oc", 1.0, "1", "osteocalcin = formation^q_oc", "assumed: proportional to formation (no fitted exponent "
       "published; Joerg 2022 fits P1NP 1.45 and BSAP 0.92)", "assumed", "marker"),
    _p("q_crp", 1.0, "1", "CRP over healthy = (IL-6 over reference)^q_crp", "assumed: IL-6 drives hepatic CRP "
       "synthesis, taken proportional", "assumed", "marker"),
    _p("b_ctx", 0.004284950772364972, "1", "resorption-independent CTX background, fraction of baseline: "
       "CTX_rel = (R^q_ctx + b_ctx)/(1 + b_ctx)", FIT, "calibrated", "marker", positive=False, upper=1.0),
    _p("k_form", 0.01671593340087067, "1/d", "rate at which matrix formation follows OBa/OBa0 (formation period "
       "~1/k_form; also the formation-marker lag)", FIT, "calibrated", "marker"),
) + tuple(
    _p(f"{m}_rel_scale", 1.0, "1", f"an arm's {m.upper()} relative to baseline over the model's (1: the population; "
       "between-arm log-sd as a random effect of a fit: assay, population and pretreatment differences between studies)",
       "assumed", "assumed", "marker")
    for m in ("ctx", "p1np", "bsap")
) + _reuse(inflammation.PARAMETERS, "ctx0", "p1np0", "bsap0", "rankl0", "opg0")

SITES: tuple[str, ...] = ("ls", "th", "fn")
SITE_TEXT = {"ls": "lumbar spine", "th": "total hip", "fn": "femoral neck"}
HIP = {"k": 0.0005587907519902425, "gf": 0.6203707066629599, "gr": 0.539425573408948, "eps": 0.025850473077810417}
"""Calibrated total-hip bone balance; no calibration arm reports spine or neck."""
SITE_SCALE = {"ls": 1.7, "th": 1.0, "fn": 0.8}
"""Remodelling rate relative to the hip (FREEDOM 3-year gains LS/TH about 1.5-1.7)."""
SCALED = "assumed: as total hip, rate x{scale} (no calibration arm reports this site; FREEDOM LS/TH gain ratio)"


def _site(s: str) -> tuple[Parameter, ...]:
    t = SITE_TEXT[s]
    src, status = (FIT, "calibrated") if s == "th" else (SCALED.format(scale=SITE_SCALE[s]), "assumed")
    return (
        _p(f"k_{s}", HIP["k"] * SITE_SCALE[s], "1/d", f"{t}: fraction of bone remodelled per day at baseline", src,
           status, "bmd"),
        _p(f"gf_{s}", HIP["gf"], "1", f"{t}: exponent of formation in the balance", src, status, "bmd", upper=5.0),
        _p(f"gr_{s}", HIP["gr"], "1", f"{t}: exponent of resorption in the balance", src, status, "bmd", upper=5.0),
        _p(f"eps_{s}", HIP["eps"], "1", f"{t}: BMU formation deficit of the cohort (postmenopausal drift; 0: healthy "
           "steady state)", src, status, "bmd", positive=False, lower=-0.5, upper=0.5),
    )


BMD: tuple[Parameter, ...] = (
    *(q for s in SITES for q in _site(s)),
    *_reuse(inflammation.PARAMETERS, "bmd_ls0", "bmd_th0"),
    _p("bmd_fn0", 0.75, "g/cm2", "femoral-neck BMD at baseline", "typical adult value", "assumed", "bmd"),
    _p("mu_new", 0.9641868828288458, "1", "mineral content of newly formed bone (after primary mineralisation), "
       "relative to the baseline mean", f"{FIT}; law of {MR}", "calibrated", "bmd", upper=1.0),
    _p("k_min", 0.007, "1/d", "secondary mineralisation rate (kappa)", MR, "published", "bmd"),
)

ARM_TEXT = {
    "rankl": "raises RANKL expression (production and capacity multiplied)",
    "opg": "lowers OPG production (beta_OPG divided)",
    "ob": "impairs osteoblasts (D_OBu divided, A_OBa multiplied)",
    "ocp": "raises the osteoclast-precursor influx (multiplied)",
}
EFFECT = {
    ("tnf", "rankl"): 0.25, ("tnf", "opg"): 0.125, ("tnf", "ob"): 0.125, ("tnf", "ocp"): 0.25,
    ("il1", "rankl"): 0.125, ("il1", "opg"): 0.075, ("il1", "ob"): 0.075, ("il1", "ocp"): 0.125,
    ("il6", "rankl"): 0.125, ("il6", "opg"): 0.05, ("il6", "ob"): 0.05, ("il6", "ocp"): 0.125,
}
EFFECT_SOURCE = ("assumed: set by hand (no calibration arm has inflammation) to 2.5 %/y total-hip and 4.2 %/y "
                 "lumbar-spine loss at TNF-alpha 23 and IL-6 30 pg/mL; calibrate against inflammation cohorts")

ARMS_TABLE = "the arm table ../shared/data/inflammation (fold records; docs/data.md)"
DISEASE: tuple[Parameter, ...] = (
    _p("tnf_fold", 1.36, "1", "serum TNF-alpha in active disease over the healthy reference (at activity 1)",
       f"{ARMS_TABLE}: RA 1.36 (iji_tabriz_tnf)", "published", "inflammation"),
    _p("il1_fold", 1.0, "1", "serum IL-1beta in active disease over the healthy reference (at activity 1)",
       "assumed: no usable serum IL-1beta fold in the arm table (1: IL-1 inert)", "assumed", "inflammation"),
    _p("il6_fold", 5.0, "1", "serum IL-6 in active disease over the healthy reference (at activity 1)",
       f"{ARMS_TABLE}: axSpA 5.0 (Pedersen 2011), RA 5.5 (Madhok 1993)", "published", "inflammation"),
    _p("infl_severity", 1.0, "1", "multiplier of an arm's inflammatory activity (1: the disease's typical active "
       "level; between-study random effect and disease covariates in an MBMA fit)", "assumed", "assumed",
       "inflammation", upper=10.0),
    _p("residual_activity", 0.3, "1", "inflammatory activity left at the full anti-inflammatory treatment effect "
       "(between-arm random effect, response strata as covariates)", "assumed: IL-6 falls to 0.14-0.54 of baseline "
       "on TNF inhibitors (Pedersen 2011 response strata)", "assumed", "inflammation", upper=5.0),
)

PARAMETERS: tuple[Parameter, ...] = (
    CORE + DRUGS + MARKERS + BMD + cytokines.parameters(EFFECT, ARM_TEXT, EFFECT_SOURCE) + DISEASE
)
