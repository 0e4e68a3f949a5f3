"""Parse and validate one entry of the config's ``fit.fits`` map into a frozen :class:`FitSpec`.

Every error is a :class:`~remodel_fit.errors.ConfigError` naming the key path
(e.g. ``fit.fits.synthetic.free.kout_ls.scale``) and what was expected.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import ConfigError
from ..model.cytokines import ARMS, CYTOKINES
from ..model.spec import Model
from ..simulate import FUSED_SOLVERS, SolverConfig

DISTS = ("lognormal", "normal", "halfnormal", "truncnormal")
CHAIN_METHODS = ("parallel", "sequential", "vectorized")
GRADIENTS = ("auto", "reverse", "forward")
RANDOM_EFFECTS_METHODS = ("marginal", "sampled")
INITS = ("median", "laplace")


@dataclass(frozen=True)
class PriorSpec:
    """A prior: ``lognormal`` (median ``loc``, log-sd ``scale``), ``normal``, ``halfnormal`` (``scale``)
    or ``truncnormal`` (``loc``, ``scale`` on [``lower``, ``upper``])."""

    dist: str
    loc: float
    scale: float
    lower: float = float("-inf")
    upper: float = float("inf")


@dataclass(frozen=True)
class NutsSpec:
    chains: int = 2
    warmup: int = 300
    draws: int = 300
    target_accept: float = 0.85
    dense_mass: bool = False
    chain_method: str = "parallel"
    max_tree_depth: int = 8
    predictive_chunk: int = 100
    init: str = "median"
    """'median' (prior median) or 'laplace' (start at draws from a Laplace approximation whose
    inverse Hessian is the initial inverse mass matrix)."""
    adapt_mass_matrix: bool = True
    progress_bar: bool = False
    """NumPyro's per-chain bar on stderr (the fit log). Its host callbacks keep the sampler out
    of the persistent compile cache, so a warm rerun recompiles it."""
    gradient: str = "auto"
    """'reverse' (diffrax RecursiveCheckpointAdjoint), 'forward' (forward-mode Jacobian in a custom VJP)
    or 'auto' (forward for chain_method 'parallel', where reverse mode crashes; reverse otherwise)."""

    @property
    def resolved_gradient(self) -> str:
        if self.gradient != "auto":
            return self.gradient
        return "forward" if self.chain_method == "parallel" else "reverse"


@dataclass(frozen=True)
class FitSpec:
    """Everything needed to build and run one fit (resolved against the model)."""

    name: str
    model: str
    data: Mapping[str, str]
    free: Mapping[str, PriorSpec]
    fixed: Mapping[str, float]
    random_effects: Mapping[str, float]
    noise: Mapping[str, PriorSpec]
    nuts: NutsSpec = field(default_factory=NutsSpec)
    solver: SolverConfig = field(default_factory=SolverConfig)
    seed: int = 0
    subjects_per_group: int | None = None
    """Fit only the first n subjects of each group (None: all)."""
    random_effects_method: str = "marginal"
    """'marginal': effects on observable scales are integrated out in closed form (see
    :mod:`.marginal`; other effects are sampled); 'sampled': every effect is a NUTS latent."""
    discrepancy: bool = False
    """Every observable gets a noise sd ``sigma_<obs>``, added in quadrature to the table's sd
    where there is one (a published SE measures the sampling error of a mean, not how far a
    model may be from it); False: the table's sd alone where given."""
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def config_hash(self) -> str:
        """sha256 of the canonical JSON of the config section this spec came from."""
        return config_hash(self.raw)


def config_hash(section: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(section, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def fit_names(config: Mapping[str, Any]) -> list[str]:
    """Names of the fits declared under ``fit.fits``."""
    return list(_mapping(_mapping(config.get("fit", {}), "fit").get("fits", {}), "fit.fits"))


def parse_fit(config: Mapping[str, Any], name: str, model: Model | None = None) -> FitSpec:
    """The spec of fit ``name`` from a whole workflow config (sections ``seed``, ``solver``, ``fit``)."""
    fits = _mapping(_mapping(config.get("fit", {}), "fit").get("fits", {}), "fit.fits")
    if name not in fits:
        raise ConfigError(f"fit.fits has no fit {name!r}; known: {', '.join(fits) or 'none'}")
    return parse_fit_section(name, fits[name], seed=int(config.get("seed", 0)), solver=config.get("solver"), model=model)


def parse_fit_section(
    name: str, section: Mapping[str, Any], *, seed: int = 0, solver: Mapping | None = None, model: Model | None = None
) -> FitSpec:
    """Validate one fit section; with ``model``, names and ``loc: default`` are resolved against it."""
    key = f"fit.fits.{name}"
    sec = _mapping(section, key)
    _only(sec, key, {"model", "data", "free", "fixed", "random_effects", "noise", "nuts", "solver", "arms", "subjects_per_group",
                     "random_effects_method", "discrepancy"})
    if model is None:
        from ..model import get_model

        model = get_model(str(sec.get("model", "bone_inflammation")))
    if sec.get("model", model.name) != model.name:
        raise ConfigError(f"{key}.model is {sec['model']!r} but the model given is {model.name!r}")
    data = {str(k): str(v) for k, v in _mapping(sec.get("data", {"source": "synthetic"}), f"{key}.data").items()}
    free = {p: _prior(model, p, v, f"{key}.free.{p}") for p, v in _mapping(sec.get("free", {}), f"{key}.free").items()}
    fixed = {}
    for p, v in _mapping(sec.get("fixed", {}), f"{key}.fixed").items():
        _param(model, p, f"{key}.fixed.{p}")
        fixed[p] = _number(v, f"{key}.fixed.{p}")
    free, fixed = _apply_arms(sec.get("arms"), free, fixed, f"{key}.arms")
    both = sorted(set(free) & set(fixed))
    if both:
        raise ConfigError(f"{key}: parameter {both[0]!r} is both free and fixed; keep one")
    random_effects = {}
    for p, v in _mapping(sec.get("random_effects", {}), f"{key}.random_effects").items():
        k = f"{key}.random_effects.{p}"
        if p not in free:
            raise ConfigError(f"{k}: a random effect needs {p!r} under {key}.free (its population prior)")
        if free[p].dist not in ("lognormal", "halfnormal"):
            raise ConfigError(f"{k}: random effects are multiplicative (log scale): {p!r} needs a lognormal prior")
        v = _mapping(v if v is not None else {}, k)
        _only(v, k, {"sd_prior"})
        random_effects[p] = _positive(v.get("sd_prior", 0.3), f"{k}.sd_prior")
    noise = {}
    for obs, v in _mapping(sec.get("noise", {}), f"{key}.noise").items():
        k = f"{key}.noise.{obs}"
        if obs != "default":
            _observable(model, obs, k)
        v = _mapping(v, k)
        _only(v, k, {"prior", "scale"})
        if v.get("prior", "halfnormal") != "halfnormal":
            raise ConfigError(f"{k}.prior must be 'halfnormal', got {v.get('prior')!r}")
        noise[obs] = PriorSpec("halfnormal", 0.0, _positive(v.get("scale", 0.3), f"{k}.scale"))
    nuts = _nuts(sec.get("nuts", {}), f"{key}.nuts")
    solver_spec, nuts = _fit_solver({**dict(solver or {}), **dict(sec.get("solver", {}) or {})}, nuts, key)
    return FitSpec(
        name=name,
        model=model.name,
        data=data,
        free=free,
        fixed=fixed,
        random_effects=random_effects,
        noise=noise,
        nuts=nuts,
        solver=solver_spec,
        seed=seed,
        subjects_per_group=_subjects_per_group(sec.get("subjects_per_group"), f"{key}.subjects_per_group"),
        random_effects_method=_choice(sec.get("random_effects_method", "marginal"), RANDOM_EFFECTS_METHODS,
                                      f"{key}.random_effects_method"),
        discrepancy=_flag(sec.get("discrepancy", False), f"{key}.discrepancy"),
        raw={"name": name, "seed": seed, **dict(sec)},
    )


def _choice(value, allowed: tuple[str, ...], key: str) -> str:
    if value not in allowed:
        raise ConfigError(f"{key} must be one of {list(allowed)}, got {value!r}")
    return value


def _flag(value, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, got {value!r}")
    return value


def _subjects_per_group(value, key) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{key}: expected a positive integer (or null for every subject), got {value!r}")
    return value


def _apply_arms(arms, free, fixed, key):
    """``arms: [rankl, opg]`` fixes every cytokine effect on the other arms at 0."""
    if arms is None:
        return free, fixed
    if isinstance(arms, str):
        arms = arms.split("_")
    if not isinstance(arms, (list, tuple)) or any(a not in ARMS for a in arms):
        raise ConfigError(f"{key} must be a list of arms from {list(ARMS)} (or 'rankl_opg'), got {arms!r}")
    free, fixed = dict(free), dict(fixed)
    for c in CYTOKINES:
        for a in ARMS:
            if a not in arms:
                free.pop(f"{c}_e_{a}", None)
                fixed[f"{c}_e_{a}"] = 0.0
    return free, fixed


def _prior(model: Model, p: str, v: Any, key: str) -> PriorSpec:
    spec = _param(model, p, key)
    v = _mapping(v if v is not None else {}, key)
    _only(v, key, {"dist", "loc", "scale", "lower", "upper"})
    dist = v.get("dist", "lognormal")
    if dist not in DISTS:
        raise ConfigError(f"{key}.dist must be one of {list(DISTS)}, got {dist!r}")
    loc = v.get("loc", "default")
    loc = spec.default if loc == "default" else _number(loc, f"{key}.loc")
    scale = _positive(v.get("scale", 0.5), f"{key}.scale")
    lower = _number(v.get("lower", spec.lower if dist == "truncnormal" else float("-inf")), f"{key}.lower")
    upper = _number(v.get("upper", spec.upper if dist == "truncnormal" else float("inf")), f"{key}.upper")
    if dist == "lognormal" and loc <= 0:
        raise ConfigError(f"{key}.loc must be > 0 for a lognormal prior (its median), got {loc} (default of {p} is {spec.default})")
    if dist in ("lognormal", "halfnormal") and spec.lower < 0:
        raise ConfigError(f"{key}: {p!r} can be negative (lower {spec.lower}); use dist normal or truncnormal")
    if dist == "truncnormal" and not lower < upper:
        raise ConfigError(f"{key}: lower ({lower}) must be below upper ({upper})")
    return PriorSpec(dist, float(loc), scale, lower, upper)


def _nuts(v: Any, key: str) -> NutsSpec:
    v = _mapping(v, key)
    _only(v, key, set(NutsSpec.__dataclass_fields__))
    spec = NutsSpec(**v)
    for f in ("chains", "warmup", "draws", "max_tree_depth", "predictive_chunk"):
        if not isinstance(getattr(spec, f), int) or getattr(spec, f) < 1:
            raise ConfigError(f"{key}.{f} must be a positive integer, got {getattr(spec, f)!r}")
    if not 0 < float(spec.target_accept) < 1:
        raise ConfigError(f"{key}.target_accept must lie in (0, 1), got {spec.target_accept!r}")
    _choice(spec.chain_method, CHAIN_METHODS, f"{key}.chain_method")
    _choice(spec.gradient, GRADIENTS, f"{key}.gradient")
    _choice(spec.init, INITS, f"{key}.init")
    for f in ("dense_mass", "adapt_mass_matrix", "progress_bar"):
        _flag(getattr(spec, f), f"{key}.{f}")
    return spec


def _fit_solver(v: Mapping, nuts: NutsSpec, key: str) -> tuple[SolverConfig, NutsSpec]:
    """The fit's solver and NUTS settings. With ``engine`` unset, a fit that differentiates in
    forward mode with an explicit solver integrates with the fused engine (the fast gradient,
    benchmarks/RESULTS.md); an explicit ``fused`` makes an ``auto`` gradient forward."""
    explicit = "engine" in v
    if not explicit and nuts.resolved_gradient == "forward" and v.get("solver", "tsit5") in FUSED_SOLVERS:
        v = {**v, "engine": "fused"}
    spec = _solver(v, f"{key}.solver")
    if spec.engine == "fused":
        if nuts.gradient == "reverse":
            raise ConfigError(f"{key}: nuts.gradient 'reverse' cannot differentiate solver engine 'fused' (forward mode "
                              "only); set nuts.gradient: forward or solver.engine: diffrax")
        nuts = replace(nuts, gradient="forward")
    return spec, nuts


def _solver(v: Mapping, key: str) -> SolverConfig:
    _only(v, key, set(SolverConfig.__dataclass_fields__))
    try:
        return SolverConfig(**v)
    except Exception as err:  # ModelError or TypeError
        raise ConfigError(f"{key}: {err}") from None


def _param(model: Model, p: str, key: str):
    try:
        return model.parameter(p)
    except Exception as err:
        raise ConfigError(f"{key}: {err}") from None


def _observable(model: Model, obs: str, key: str):
    try:
        return model.observable(obs)
    except Exception as err:
        raise ConfigError(f"{key}: {err}") from None


def _mapping(v: Any, key: str) -> Mapping:
    if not isinstance(v, Mapping):
        raise ConfigError(f"{key} must be a mapping, got {type(v).__name__} {v!r}")
    return v


def _only(v: Mapping, key: str, allowed: set[str]) -> None:
    extra = sorted(set(v) - allowed)
    if extra:
        raise ConfigError(f"{key} has unknown key {extra[0]!r}; allowed: {', '.join(sorted(allowed))}")


def _number(v: Any, key: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ConfigError(f"{key} must be a number, got {v!r}")
    return float(v)


def _positive(v: Any, key: str) -> float:
    x = _number(v, key)
    if not x > 0:
        raise ConfigError(f"{key} must be > 0, got {v!r}")
    return x
