"""ArviZ InferenceData of a fit (its layout: docs/architecture.md, "The fit file").

Groups: posterior, sample_stats (+ ``failed_solves``), log_likelihood, prior,
prior_predictive, posterior_predictive (computed in chunks of draws), observed_data,
constant_data; provenance attributes on the root and on ``posterior``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from importlib import metadata

import arviz as az
import jax
import numpy as np
from numpyro import handlers

from ..io import atomic_path
from .fit_model import FitModel
from .sampler import NutsRun

STAT_NAMES = {
    "diverging": "diverging",
    "energy": "energy",
    "num_steps": "n_steps",
    "accept_prob": "acceptance_rate",
    "adapt_state.step_size": "step_size",
}
PACKAGES = ("remodel_fit", "jax", "diffrax", "numpyro", "arviz")
LIKELIHOOD_SITES = ("y", "log_lik", "log_lik_subject", "failed_solves")


def trace_draws(fm: FitModel, samples: dict, key: jax.Array, *, y=None, chunk: int = 100) -> dict:
    """Run the model once per draw of ``samples`` (leading axis = draw), ``chunk`` draws at a time.

    With ``samples`` empty and ``y`` None this draws from the prior (``len(key)`` draws).
    Returns every sample/deterministic site plus ``y`` (a replicate), and with ``y`` given
    ``log_lik`` (per measurement) and ``log_lik_subject`` (per subject, marginal effects integrated out).
    """
    latent = fm.latent_sites()

    def one(args):
        sample, k = args
        k_model, k_rep = jax.random.split(k)
        tr = handlers.trace(handlers.seed(handlers.substitute(fm, data=sample), k_model)).get_trace(y=y, conditional=True)
        out = {n: s["value"] for n, s in tr.items() if s["type"] in ("sample", "deterministic") and n != "y"}
        site = tr["y"]
        out["y"] = site["fn"].sample(k_rep) if y is not None else site["value"]
        if y is not None:
            out["log_lik"] = site["fn"].log_prob(y)
        return {n: v for n, v in out.items() if n in latent or n in ("y", "log_lik", "failed_solves") or n.endswith("_subject")}

    keys = key
    n = keys.shape[0]
    samples = {k: samples[k] for k in latent if k in samples}
    return jax.jit(lambda s, ks: jax.lax.map(one, (s, ks), batch_size=min(chunk, n)))(samples, keys)


def build_idata(run: NutsRun, key: jax.Array, *, prior_draws: int | None = None) -> az.InferenceData:
    """Assemble the InferenceData of a finished NUTS run (seeded by ``key`` for predictive draws)."""
    fm, mcmc = run.fit_model, run.mcmc
    spec, data = fm.options, fm.data
    chains, draws = spec.nuts.chains, spec.nuts.draws
    k_post, k_prior = jax.random.split(key)
    grouped = mcmc.get_samples(group_by_chain=True)
    flat = {k: v.reshape((chains * draws,) + v.shape[2:]) for k, v in grouped.items()}
    post = trace_draws(fm, flat, jax.random.split(k_post, chains * draws), y=fm.values, chunk=spec.nuts.predictive_chunk)
    n_prior = prior_draws or chains * draws
    prior = trace_draws(fm, {}, jax.random.split(k_prior, n_prior), chunk=spec.nuts.predictive_chunk)

    def by_chain(d, c, n):
        return {k: np.asarray(v).reshape((c, n) + v.shape[1:]) for k, v in d.items()}

    post, prior = by_chain(post, chains, draws), by_chain(prior, 1, n_prior)
    params = [k for k in post if k not in LIKELIHOOD_SITES]
    stats = {STAT_NAMES[k]: np.asarray(v) for k, v in mcmc.get_extra_fields(group_by_chain=True).items() if k in STAT_NAMES}
    stats["tree_depth"] = (np.log2(np.maximum(stats["n_steps"], 1)).astype(int) + 1)
    stats["lp"] = -np.asarray(mcmc.get_extra_fields(group_by_chain=True)["potential_energy"])
    stats["failed_solves"] = post["failed_solves"].astype(np.int64)

    attrs = provenance(fm)
    dims = {k: ["subject"] for k in params if k.endswith(("_subject", "_z"))}
    dims.update(y=["measurement"], y_subject=["subject"])
    groups = az.from_dict(
        posterior={k: post[k] for k in params},
        sample_stats=stats,
        log_likelihood={"y": post["log_lik"], "y_subject": post["log_lik_subject"]},
        posterior_predictive={"y": post["y"]},
        prior={k: prior[k] for k in params},
        prior_predictive={"y": prior["y"]},
        observed_data={"y": np.asarray(data.values)},
        coords={"subject": list(data.subjects), "measurement": np.arange(data.n_measurements)},
        dims=dims,
    )
    datasets = {g: groups[g] for g in groups.groups()}
    for g in ("observed_data", "posterior_predictive", "prior_predictive"):
        datasets[g] = datasets[g].assign_coords(measurement_coords(fm))
    # log_likelihood also has y_subject on dim subject: its measurement-level subject coordinate is
    # named measurement_subject so that ``subject`` keeps the subject labels
    by_measurement = measurement_coords(fm)
    by_measurement["measurement_subject"] = by_measurement.pop("subject")
    datasets["log_likelihood"] = datasets["log_likelihood"].assign_coords(by_measurement)
    datasets["constant_data"] = constant_data(fm)
    idata = az.InferenceData(attrs=attrs, **datasets)
    idata.attrs.update(attrs)
    idata.posterior.attrs.update(attrs, chain_method=run.chain_method, gradient=fm.gradient,
                                 sampling_seconds=float(run.seconds),
                                 laplace=json.dumps(run.laplace.summary() if run.laplace else None),
                                 laplace_seconds=float(run.laplace.seconds) if run.laplace else 0.0)
    return idata


def measurement_coords(fm: FitModel) -> dict:
    d = fm.data
    si, ti, oi = (np.asarray(a) for a in (d.subject_index, d.time_index, d.observable_index))
    return {
        "subject": ("measurement", np.asarray(d.subjects, dtype=str)[si]),
        "group": ("measurement", np.asarray(d.groups, dtype=str)[si]),
        "time": ("measurement", np.asarray(d.times, dtype=float)[ti]),
        "observable": ("measurement", np.asarray(d.observables, dtype=str)[oi]),
    }


def constant_data(fm: FitModel):
    import xarray as xr

    d = fm.data
    out = {
        "time_grid": xr.DataArray(np.asarray(d.times, dtype=float), dims=["time"]),
        "subject_group": xr.DataArray(np.asarray(d.groups, dtype=str), dims=["subject"],
                                      coords={"subject": list(d.subjects)}),
    }
    for name, sched in d.inputs.items():
        values = sched.values if hasattr(sched, "values") else sched.amounts
        out[f"{name}_times"] = xr.DataArray(np.asarray(sched.times, dtype=float), dims=["subject", f"{name}_slot"])
        out[f"{name}_values"] = xr.DataArray(np.asarray(values, dtype=float), dims=["subject", f"{name}_slot"])
    return xr.Dataset(out, coords={"subject": list(d.subjects)})


def provenance(fm: FitModel) -> dict:
    spec = fm.options
    return {
        "model": spec.model,
        "seed": int(spec.seed),
        "config_hash": spec.config_hash,
        "versions": json.dumps({p: _version(p) for p in PACKAGES}, sort_keys=True),
        "free_parameters": json.dumps(list(spec.free)),
        "fit_name": spec.name,
        "fixed_parameters": json.dumps(dict(spec.fixed), sort_keys=True),
        "solver": json.dumps(dataclasses.asdict(spec.solver), sort_keys=True),
    }


VOLATILE_ATTRS = ("created_at", "sampling_seconds", "laplace_seconds")
"""Attributes that differ between two runs of one config (wall-clock); not written, so the same
config and seed give a byte-identical file (the fit log keeps the timings)."""


def write_idata(idata: az.InferenceData, path: str | os.PathLike) -> None:
    """Write netCDF atomically (nothing half-written is left on failure), without volatile attributes."""
    groups = {g: idata[g].copy() for g in idata.groups()}
    for ds in groups.values():
        ds.attrs = {k: v for k, v in ds.attrs.items() if k not in VOLATILE_ATTRS}
    stable = az.InferenceData(attrs={k: v for k, v in idata.attrs.items() if k not in VOLATILE_ATTRS}, **groups)
    with atomic_path(path) as tmp:
        stable.to_netcdf(str(tmp))


def _version(package: str) -> str:
    try:
        return metadata.version(package.replace("_", "-"))
    except metadata.PackageNotFoundError:
        return "unknown"


def read_idata(path: str | os.PathLike) -> az.InferenceData:
    """A fit's InferenceData from netCDF; :class:`DataError` (one line) for a missing, truncated or foreign file."""
    from pathlib import Path

    from ..errors import DataError

    path = Path(path)
    expected = "expected a fit's InferenceData netCDF (results/fit/<name>/idata.nc)"
    if not path.is_file():
        raise DataError(f"{path}: file not found; {expected}")
    try:
        idata = az.from_netcdf(path)
    except Exception as err:  # netCDF4/h5py raise OSError, ValueError or KeyError on a damaged file
        reason = (str(err).splitlines() or [type(err).__name__])[0][:120]
        raise DataError(f"{path}: not a readable netCDF file ({reason}); {expected} (truncated by a killed run? "
                        "rerun the fit)") from None
    if "posterior" not in idata.groups():
        raise DataError(f"{path}: has no posterior group; {expected}")
    return idata
