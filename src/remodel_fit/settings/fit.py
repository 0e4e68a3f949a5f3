"""The ``fit`` section: named fits, predictions, the PSIS-LOO comparison and SBC; and the
resolution of one fit's settings against its model into :class:`~remodel_fit.inference.FitOptions`."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from ..bone.arms import apply_arms
from ..errors import ConfigError, ModelError
from ..inference.options import DistName, EffectDesign, FitOptions, NutsOptions, Prior
from ..inference.priors import DEFAULT_NOISE, FAMILIES, family_prior, keywords, support_of
from ..model.base import Model
from ..petab.options import PetabFitOptions, SolverOptions
from ..registry import DEFAULT_MODEL, get_model
from ..solve.options import FUSED_SOLVERS, SolverConfig
from ..solve.scenarios import Scenario
from ..validation import Flag, did_you_mean, validated
from .base import Section, config_hash


def _loadable(spec: str) -> str:
    """``spec`` if :func:`~remodel_fit.registry.get_model` loads it; its one-line error otherwise."""
    try:
        get_model(spec)
    except ModelError as err:
        raise ValueError(str(err)) from None
    return spec


ModelSpec = Annotated[str, AfterValidator(_loadable)]
"""A model a config can name (remodel-fit models): a built-in or entry-point name, path/to/file.py:NAME or
package.module:NAME."""
MODEL_DESCRIPTION = ("model: a built-in or entry-point name (remodel-fit models), path/to/file.py:NAME or "
                     "package.module:NAME")


SHORT_PRIORS = ("lognormal", "normal", "halfnormal", "truncnormal")
FAMILY_HELP = "or a continuous NumPyro distribution by name with its keyword arguments (HalfCauchy, StudentT, Gamma, ...)"


def _family_name(v: str) -> str:
    if v not in SHORT_PRIORS and v not in FAMILIES:
        raise ValueError(f"unknown value {v!r}{did_you_mean(v, list(SHORT_PRIORS) + list(FAMILIES))}; expected one "
                         f"of {', '.join(SHORT_PRIORS)} {FAMILY_HELP}")
    return v


Family = Annotated[str, AfterValidator(_family_name)]


class PriorSettings(Section):
    """A parameter's prior: a short form, lognormal (median loc, log-sd scale; sampled on the log scale),
    normal, halfnormal, truncnormal; or a NumPyro family, e.g. {dist: HalfCauchy, scale: 1},
    {dist: StudentT, df: 3, loc: 0, scale: 1, low: 0} (truncated to [low, high])."""

    model_config = ConfigDict(extra="allow", frozen=True)

    dist: Family = Field("lognormal", description="lognormal (median loc, log-sd scale; sampled on the log "
                         f"scale), normal, halfnormal, truncnormal, {FAMILY_HELP}: the other keys are its keyword "
                         "arguments (low/high truncate a real-line family)")
    loc: float | Literal["default"] = Field("default", description="'default' (the model default) or a number")
    scale: float = Field(0.5, gt=0, description="log-sd (lognormal) or sd")
    lower: float | None = Field(None, description="truncnormal lower bound (default: the parameter's lower bound)")
    upper: float | None = Field(None, description="truncnormal upper bound (default: the parameter's upper bound)")


class RandomEffectSettings(Section):
    sd_prior: float = Field(0.3, gt=0, description="half-normal scale of the between-subject log-sd")
    level: Literal["subject", "group"] = Field("subject", description="subject: one effect per subject (an arm of "
                                               "a meta-analysis); group: one per group (a study), shared by its subjects")
    covariates: dict[str, float] = Field(default_factory=dict, description="covariate of the data -> sd of the "
                                         "Normal(0, sd) prior of its coefficient on the log scale")


class NoiseSettings(Section):
    """The prior of a noise sd: {prior: halfnormal, scale} or a NumPyro family, e.g. {prior: LogNormal, loc: -1,
    scale: 1}."""

    model_config = ConfigDict(extra="allow", frozen=True)

    prior: Family = Field("halfnormal", description=f"the prior family of the noise sd: halfnormal {FAMILY_HELP} "
                          "(the other keys are its keyword arguments; its support must be positive)")
    scale: float = Field(DEFAULT_NOISE.scale, gt=0, description="half-normal scale of the log-normal noise sd")


class FitData(Section):
    source: Literal["synthetic", "clinical", "inflammation"] | None = Field(
        None, description="the workflow's synthetic or clinical tables, or the arm-level inflammation table "
        "(inflammation.arms) as a meta-analysis: one subject per arm, group = study (docs/data.md)")
    measurements: str | None = Field(None, min_length=1, description="a measurement table (instead of source)")
    conditions: str | None = Field(None, min_length=1, description="a conditions table (with measurements)")


MODEL_FIT_KEYS = ("model", "data", "subjects_per_group", "random_effects_method", "discrepancy", "free", "fixed", "arms",
                  "random_effects", "noise")
"""Keys of a model fit; a PEtab fit (``petab``) takes none of them."""


class FitSettings(Section):
    """One named fit: a model fitted to tables, or a PEtab problem (``petab``)."""

    petab: str | None = Field(None, min_length=1, description="a PEtab v1 problem (YAML, read in place) fitted instead "
                              "of a model and data: its estimated parameters on their parameter scales within their "
                              "bounds, its objective priors and log-likelihood; only nuts and solver apply (solver: the "
                              "PEtab route's kvaerno5|rodas4|rodas4p|tsit5, rtol, atol, max_steps, preequilibration_t1)")
    model: ModelSpec = Field(DEFAULT_MODEL, description=MODEL_DESCRIPTION)
    data: FitData = Field(default_factory=lambda: FitData(source="synthetic"),
                          description="{source: synthetic|clinical} or {measurements: path, conditions: path}")
    subjects_per_group: int | None = Field(None, ge=1, description="fit only the first n subjects of each group "
                                           "(null: every subject)")
    random_effects_method: Literal["marginal", "sampled"] = Field(
        "marginal", description="marginal: effects on observable scales (ctx0, bmd_ls0, ...) integrated out in "
        "closed form, subject values drawn from their exact conditional afterwards; sampled: every effect a NUTS latent")
    discrepancy: Flag = Field(False, description="every observable gets a noise sd sigma_<obs>, added in quadrature "
                              "to the table's sd where there is one (a published SE measures the sampling error of a "
                              "mean, not how far the model may be from it); false: the table's sd alone where given")
    free: dict[str, PriorSettings | None] = Field(default_factory=dict, description="free parameter -> prior")
    fixed: dict[str, float] = Field(default_factory=dict, description="parameter -> value overriding the model default")
    arms: list[str] | str | None = Field(None, description="cytokine arms kept (rankl, opg, ob, ocp); effects on the "
                                         "other arms fixed at 0")
    random_effects: dict[str, RandomEffectSettings | None] = Field(
        default_factory=dict, description="parameter -> {sd_prior}: subject-level non-centred "
        "log-normal effect around the population value (the parameter's prior when it is under free, else its fixed "
        "or default value, e.g. an arm-level marker scale around 1)")
    noise: dict[str, NoiseSettings] = Field(default_factory=dict, description="observable (or 'default') -> {prior: "
                                            "halfnormal, scale}: prior of sigma_<obs>, the log-normal sd")
    nuts: NutsOptions = Field(default_factory=NutsOptions, description="NUTS settings")
    solver: dict[str, Any] = Field(default_factory=dict, description="overrides of the top-level solver section for "
                                   "this fit (a PEtab fit: its own solver settings, the top-level section unused)")

    @model_validator(mode="after")
    def _petab_alone(self) -> FitSettings:
        given = [k for k in MODEL_FIT_KEYS if k in self.model_fields_set]
        if self.petab is not None and given:
            raise ValueError(f"petab and {given[0]} are exclusive (a PEtab problem names its own model, data and "
                             f"priors); remove {given[0]} or petab")
        return self


class PredictSettings(Section):
    draws: int = Field(200, ge=1, description="posterior draws per scenario")
    horizon_days: float = Field(1095, gt=0, description="end of the prediction grid (days)")
    points: int = Field(121, ge=2, description="time points of the dense grid")
    observables: list[str] = Field(["bmd_ls_rel", "ctx_rel", "p1np_rel"], min_length=1, description="observables predicted")
    scenarios: dict[str, Scenario] | None = Field(
        None, description="scenario name -> {description, levels, doses} as scenarios.items; until defaults to "
        "horizon_days (default: the mission model's untreated, anti_tnf_m6, denosumab_q6m)")


class PathwaySettings(Section):
    fits: list[str] = Field(default_factory=list, description="fits whose posterior attributes the predicted bone loss "
                            "to the cytokine arms (rule pathways -> results/pathways/<fit>/)")
    scenario: str = Field("ra_untreated", min_length=1, description="the fit.predict scenario with inflammation "
                          "(its inputs without the inflammation input are the background)")
    years: list[float] = Field([1.0, 2.0, 5.0, 10.0], min_length=1, description="horizons (years)")
    observables: list[str] = Field(["bmd_th_rel", "bmd_ls_rel"], min_length=1, description="BMD observables")
    draws: int = Field(100, ge=10, description="posterior draws")
    headline_years: float = Field(2.0, gt=0, description="horizon of the report's paragraph (one of years)")


class HeldoutSettings(Section):
    fits: list[str] = Field(default_factory=list, description="fits checked against the held-out arms (data.heldout_pattern)")
    draws: int = Field(200, ge=20, le=100000, description="posterior draws replicated at the held-out measurements")
    level: float = Field(0.9, gt=0, lt=1, description="central posterior-predictive band a held-out point should fall in")


class CompareSettings(Section):
    fits: list[str] = Field(default_factory=list, description="fits of one dataset compared by PSIS-LOO")


class SbcSettings(Section):
    fit: str | None = Field(None, description="fit whose design and priors are calibrated")
    replicates: int = Field(20, ge=1, description="simulated datasets")
    warmup: int = Field(100, ge=1, description="warm-up iterations per replicate fit")
    draws: int = Field(100, ge=1, description="draws per replicate fit")


class FitSection(Section):
    """Bayesian calibration (NumPyro NUTS)."""

    fits: dict[str, FitSettings] = Field(default_factory=dict, description="fit name -> settings "
                                         "(rule fit -> results/fit/<name>/idata.nc)")
    predict: PredictSettings = Field(default_factory=PredictSettings, description="scenario predictions")
    compare: CompareSettings = Field(default_factory=CompareSettings, description="PSIS-LOO comparison")
    pathways: PathwaySettings = Field(default_factory=PathwaySettings, description="bone loss by cytokine arm "
                                      "(remodel-fit pathways)")
    heldout: HeldoutSettings = Field(default_factory=HeldoutSettings, description="validation on held-out arms, "
                                     "never fitted (rule heldout -> results/heldout/<fit>/)")
    sbc: SbcSettings = Field(default_factory=SbcSettings, description="simulation-based calibration")


def fit_options(
    name: str, settings: FitSettings, raw: Mapping[str, Any], model: Model, *, seed: int, shared_solver: Mapping | None
) -> FitOptions:
    """The options of fit ``name``: names and ``loc: default`` resolved against ``model``.

    ``raw`` is the fit's section as written (hashed for provenance); ``shared_solver`` the
    top-level ``solver`` section as written (this fit's ``solver`` overrides it).
    """
    key = f"fit.fits.{name}"
    if get_model(settings.model).name != model.name:
        raise ConfigError(f"{key}.model is {settings.model!r} but the model given is {model.name!r}")
    free = {p: _prior(model, p, v or PriorSettings(), f"{key}.free.{p}") for p, v in settings.free.items()}
    for p in settings.fixed:
        _parameter(model, p, f"{key}.fixed.{p}")
    free, fixed = apply_arms(settings.arms, free, {p: float(v) for p, v in settings.fixed.items()}, f"{key}.arms")
    both = sorted(set(free) & set(fixed))
    if both:
        raise ConfigError(f"{key}: parameter {both[0]!r} is both free and fixed; keep one")
    random_effects, design = {}, {}
    for p, v in settings.random_effects.items():
        k = f"{key}.random_effects.{p}"
        if p not in free:
            value = fixed.get(p, _parameter(model, p, k).default)
            if value <= 0:
                raise ConfigError(f"{k}: random effects are multiplicative (log scale): {p!r} is not under {key}.free "
                                  f"and its population value {value} is not positive")
        elif support_of(free[p])[0] < 0:
            raise ConfigError(f"{k}: random effects are multiplicative (log scale): {p!r} needs a prior on positive "
                              "values (lognormal, halfnormal or a family with positive support)")
        effect = v or RandomEffectSettings()
        random_effects[p] = effect.sd_prior
        design[p] = EffectDesign(level=effect.level, covariates=dict(effect.covariates))
    noise = {}
    for obs, v in settings.noise.items():
        if obs != "default":
            _observable(model, obs, f"{key}.noise.{obs}")
        noise[obs] = _noise_prior(v, f"{key}.noise.{obs}")
    solver, nuts = fit_solver({**dict(shared_solver or {}), **settings.solver}, settings.nuts, key)
    return FitOptions(
        name=name, model=model.name, free=free, fixed=fixed, random_effects=random_effects, effect_design=design, noise=noise, nuts=nuts,
        solver=solver, seed=seed, random_effects_method=settings.random_effects_method,
        discrepancy=settings.discrepancy, config_hash=config_hash({"name": name, "seed": seed, **dict(raw)}),
    )


def petab_fit_options(name: str, settings: FitSettings, raw: Mapping[str, Any], *, seed: int) -> PetabFitOptions:
    """The options of PEtab fit ``name``: its NUTS settings and its solver (the PEtab route's
    :class:`~remodel_fit.petab.options.SolverOptions`; the gradient mode comes from ``nuts.gradient``)."""
    key = f"fit.fits.{name}"
    if "mode" in settings.solver:
        raise ConfigError(f"{key}.solver.mode: not a setting of a fit; its gradient mode is {key}.nuts.gradient")
    solver = validated(SolverOptions, dict(settings.solver), f"{key}.solver")
    return PetabFitOptions(name=name, nuts=settings.nuts, solver=solver, seed=seed,
                           config_hash=config_hash({"name": name, "seed": seed, **dict(raw)}))


def fit_solver(overrides: Mapping, nuts: NutsOptions, key: str) -> tuple[SolverConfig, NutsOptions]:
    """The fit's solver and NUTS options. With ``engine`` unset, a fit that differentiates in
    forward mode with an explicit solver integrates with the fused engine (the fast gradient,
    benchmarks/RESULTS.md); an explicit ``fused`` makes an ``auto`` gradient forward."""
    forward = nuts.gradient == "forward" or (nuts.gradient == "auto" and nuts.chain_method == "parallel")
    if "engine" not in overrides and forward and overrides.get("solver", "tsit5") in FUSED_SOLVERS:
        overrides = {**overrides, "engine": "fused"}
    solver = validated(SolverConfig, dict(overrides), f"{key}.solver")
    if solver.engine == "fused":
        if nuts.gradient == "reverse":
            raise ConfigError(f"{key}: nuts.gradient 'reverse' cannot differentiate solver engine 'fused' (forward mode "
                              "only); set nuts.gradient: forward or solver.engine: diffrax")
        nuts = dataclasses.replace(nuts, gradient="forward")
    return solver, nuts


def _prior(model: Model, p: str, v: PriorSettings, key: str) -> Prior:
    spec = _parameter(model, p, key)
    dist = v.dist
    if dist in FAMILIES:
        prior = _family(v, dist, ("dist", "lower", "upper"), key)
        low, high = support_of(prior)
        if low < spec.lower or high > spec.upper:
            raise ConfigError(f"{key}: {dist} has support [{low:g}, {high:g}], outside the bounds [{spec.lower:g}, "
                              f"{spec.upper:g}] of {p!r}; choose a family on that range or truncate it (low/high)")
        return prior
    _no_extra(v, key, PriorSettings)
    loc = spec.default if v.loc == "default" else float(v.loc)
    lower = v.lower if v.lower is not None else (spec.lower if dist == "truncnormal" else float("-inf"))
    upper = v.upper if v.upper is not None else (spec.upper if dist == "truncnormal" else float("inf"))
    if dist == "lognormal" and loc <= 0:
        raise ConfigError(f"{key}.loc must be > 0 for a lognormal prior (its median), got {loc} (default of {p} is {spec.default})")
    if dist in ("lognormal", "halfnormal") and spec.lower < 0:
        raise ConfigError(f"{key}: {p!r} can be negative (lower {spec.lower}); use dist normal or truncnormal")
    if dist == "truncnormal" and not lower < upper:
        raise ConfigError(f"{key}: lower ({lower}) must be below upper ({upper})")
    return Prior(dist, float(loc), float(v.scale), float(lower), float(upper))


def _noise_prior(v: NoiseSettings, key: str) -> Prior:
    """The prior of a noise sd: half-normal, or a family whose support is positive."""
    if v.prior not in FAMILIES:
        _no_extra(v, key, NoiseSettings)
        return Prior("halfnormal", 0.0, v.scale)
    prior = _family(v, v.prior, ("prior",), key)
    low = support_of(prior)[0]
    if low < 0:
        raise ConfigError(f"{key}: {v.prior} has support from {low:g}; a noise sd needs a positive one (truncate it "
                          "with low: 0, or choose HalfCauchy, HalfNormal, LogNormal, Gamma, ...)")
    return prior


def _family(v: Section, name: str, own: tuple[str, ...], key: str) -> Prior:
    """The family prior of section ``v``: every key written other than ``own`` is a keyword argument
    (``low``/``high`` truncate a family that has no such keyword)."""
    if "lower" in own and ({"lower", "upper"} & v.model_fields_set):
        which = "lower" if "lower" in v.model_fields_set else "upper"
        raise ConfigError(f"{key}.{which}: is for dist truncnormal; a NumPyro family is truncated with low/high")
    written = {k: getattr(v, k) for k in v.model_fields_set if k not in own} | dict(v.model_extra or {})
    kwargs = {}
    for k, value in written.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}.{k}: {value!r} is not a number; {name}'s keyword arguments are numbers")
        kwargs[k] = float(value)
    bounds = {k: kwargs.pop(k) for k in ("low", "high") if k in kwargs and k not in keywords(name)}
    return family_prior(name, kwargs, key, bounds.get("low", -math.inf), bounds.get("high", math.inf))


def _no_extra(v: Section, key: str, kind: type[Section]) -> None:
    """ConfigError for a key a short form does not have (keyword arguments are for NumPyro families)."""
    for k in v.model_extra or {}:
        known = list(kind.model_fields)
        raise ConfigError(f"{key}.{k}: unknown key{did_you_mean(k, known)}; expected one of {', '.join(known)} "
                          "(other keys are keyword arguments of a NumPyro family only)")


def _parameter(model: Model, p: str, key: str):
    try:
        return model.parameter(p)
    except Exception as err:
        raise ConfigError(f"{key}: {err}") from None


def _observable(model: Model, obs: str, key: str):
    try:
        return model.observable(obs)
    except Exception as err:
        raise ConfigError(f"{key}: {err}") from None


def fit_options_from_section(
    name: str, section: Mapping[str, Any], *, seed: int = 0, solver: Mapping | None = None, model: Model | None = None
) -> FitOptions:
    """The options of one fit section as written (a ``fit.fits.<name>`` mapping), for Python use."""
    settings = validated(FitSettings, section, f"fit.fits.{name}")
    if model is None:
        model = get_model(settings.model)
    return fit_options(name, settings, section, model, seed=seed, shared_solver=solver)
