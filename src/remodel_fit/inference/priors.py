"""Prior specs to NumPyro distributions.

Short forms: positive parameters get distributions with positive support (``LogNormal``,
``HalfNormal``); ``truncnormal`` is an interval's. Families: any continuous univariate class of
``numpyro.distributions`` by name (:data:`FAMILIES`) with its keyword arguments, optionally
truncated (``TruncatedDistribution``, real-line families only). NUTS samples every site on the
unconstrained space of its distribution's support (NumPyro's ``biject_to``: ``exp`` for a
positive support, a scaled sigmoid for an interval), so the reparameterisation follows the family.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp
from numpyro import distributions as dist
from numpyro.distributions import constraints

from ..errors import ConfigError
from ..validation import did_you_mean
from .options import Prior

FAMILIES: dict[str, Callable[..., dist.Distribution]] = {
    **{name: cls for name in dist.__all__
       if inspect.isclass(cls := getattr(dist, name)) and issubclass(cls, dist.Distribution)
       and cls.__module__.rsplit(".", 1)[-1] in ("continuous", "truncated") and not inspect.isabstract(cls)},
    "TruncatedNormal": dist.TruncatedNormal, "TruncatedCauchy": dist.TruncatedCauchy,
}
"""Continuous NumPyro distributions by name (the univariate ones pass :func:`family_prior`)."""


def distribution(prior: Prior) -> dist.Distribution:
    """The NumPyro distribution of ``prior`` (natural scale)."""
    if prior.dist in FAMILIES:
        return _family(prior.dist, dict(prior.kwargs), prior.lower, prior.upper)
    if prior.dist == "lognormal":
        return dist.LogNormal(math.log(prior.loc), prior.scale)
    if prior.dist == "normal":
        return dist.Normal(prior.loc, prior.scale)
    if prior.dist == "halfnormal":
        return dist.HalfNormal(prior.scale)
    if prior.dist == "truncnormal":
        low = None if math.isinf(prior.lower) else prior.lower
        high = None if math.isinf(prior.upper) else prior.upper
        return dist.TruncatedNormal(prior.loc, prior.scale, low=low, high=high)
    raise ValueError(f"unknown prior distribution {prior.dist!r}")


def _family(name: str, kwargs: Mapping[str, float], low: float, high: float, **extra) -> dist.Distribution:
    base = FAMILIES[name](**kwargs, **extra)
    if math.isinf(low) and math.isinf(high):
        return base
    return dist.TruncatedDistribution(base, low=None if math.isinf(low) else low,
                                      high=None if math.isinf(high) else high, **extra)


def _parameters(name: str) -> dict[str, inspect.Parameter]:
    made = FAMILIES[name]
    params = inspect.signature(made.__init__ if inspect.isclass(made) else made).parameters
    return {k: p for k, p in params.items() if k not in ("self", "validate_args")
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def keywords(name: str) -> list[str]:
    """The keyword arguments of family ``name`` (without ``validate_args``)."""
    return list(_parameters(name))


def family_prior(name: str, kwargs: Mapping[str, float], key: str, low: float = -math.inf,
                 high: float = math.inf) -> Prior:
    """The prior of family ``name`` with ``kwargs`` (truncated to [``low``, ``high``]); ConfigError naming
    ``key`` for an unknown family, an unknown or missing keyword, invalid values, a multivariate
    family, or truncation of a family off the real line."""
    if name not in FAMILIES:
        raise ConfigError(f"{key}.dist: unknown value {name!r}{did_you_mean(name, list(FAMILIES))}")
    known = keywords(name)
    for k in kwargs:
        if k not in known:
            raise ConfigError(f"{key}.{k}: not a keyword of {name}{did_you_mean(k, known)}; expected "
                              f"{', '.join(known)}")
    required = [k for k, p in _parameters(name).items() if p.default is inspect.Parameter.empty]
    missing = [k for k in required if k not in kwargs]
    if missing:
        raise ConfigError(f"{key}: {name} needs {', '.join(missing)}")
    truncated = not (math.isinf(low) and math.isinf(high))
    args = ", ".join(f"{k}={v:g}" for k, v in sorted(kwargs.items()))
    try:
        if truncated and _abstract(lambda _: support(FAMILIES[name](**kwargs))) != (-math.inf, math.inf):
            bound = "low" if not math.isinf(low) else "high"
            raise ConfigError(f"{key}.{bound}: {name} is not on the whole real line; only real-line families "
                              "(Normal, StudentT, Cauchy, Laplace, Logistic) are truncated with low/high")
        shape = _abstract(lambda k: _family(name, kwargs, low, high, validate_args=True).sample(k).shape)
    except ConfigError:
        raise
    except Exception as err:
        raise ConfigError(f"{key}: {name}({args}){' truncated' if truncated else ''} is invalid or cannot be "
                          f"sampled ({type(err).__name__}: {(str(err).splitlines() or [''])[0]})") from None
    if shape != ():
        raise ConfigError(f"{key}: {name} is not a distribution of one number (shape {shape})")
    return Prior(name, lower=low, upper=high, kwargs=tuple(sorted((k, float(v)) for k, v in kwargs.items())))


def _abstract(fn: Callable[[jax.Array], object]) -> object:
    """``fn(key)`` traced by ``jax.eval_shape``: its Python result, computed without initialising a JAX
    backend (config checks run before the CLI chooses the host devices)."""
    out = []
    jax.eval_shape(lambda key: out.append(fn(key)), jax.ShapeDtypeStruct((2,), jnp.uint32))
    return out[0]


def support(d: dist.Distribution) -> tuple[float, float]:
    """(lowest, highest) value of ``d``'s support (open or closed ends alike)."""
    s = d.support
    if s is constraints.real or isinstance(s, type(constraints.real)):
        return -math.inf, math.inf
    return float(getattr(s, "lower_bound", -math.inf)), float(getattr(s, "upper_bound", math.inf))


def support_of(prior: Prior) -> tuple[float, float]:
    """(lowest, highest) value a parameter with ``prior`` can take (no JAX backend initialised)."""
    return _abstract(lambda _: support(distribution(prior)))


def median(prior: Prior) -> float:
    """Prior median (where chains start with ``init_to_median`` up to Monte Carlo error)."""
    if prior.dist in FAMILIES:
        return float(distribution(prior).icdf(0.5))
    if prior.dist == "halfnormal":
        return 0.6744897501960817 * prior.scale
    if prior.dist == "lognormal":
        return prior.loc
    return float(min(max(prior.loc, prior.lower), prior.upper))


DEFAULT_NOISE = Prior("halfnormal", 0.0, 0.3)
"""Prior of a noise sd that the fit's ``noise`` section does not name (no ``default`` entry)."""
