"""Prior specs to NumPyro distributions.

Positive parameters get distributions with positive support (``LogNormal``,
``HalfNormal``); NUTS then samples them on the log scale (NumPyro's bijection to the
unconstrained space of a positive support is ``exp``). ``truncnormal`` is sampled
through its interval's sigmoid bijection.
"""

from __future__ import annotations

import math

import numpyro.distributions as dist

from .options import Prior


def distribution(prior: Prior) -> dist.Distribution:
    """The NumPyro distribution of ``prior`` (natural scale)."""
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


def median(prior: Prior) -> float:
    """Prior median (where chains start with ``init_to_median`` up to Monte Carlo error)."""
    if prior.dist == "halfnormal":
        return 0.6744897501960817 * prior.scale
    if prior.dist == "lognormal":
        return prior.loc
    return float(min(max(prior.loc, prior.lower), prior.upper))


DEFAULT_NOISE = Prior("halfnormal", 0.0, 0.3)
"""Prior of a noise sd that the fit's ``noise`` section does not name (no ``default`` entry)."""
