"""The fit file: an ArviZ ``xarray.DataTree`` (its layout: docs/architecture.md, "The fit file").

Groups: posterior, sample_stats (+ ``failed_solves``), log_likelihood (``y_subject`` only, so
``az.loo(dt)`` leaves out a subject by default), log_likelihood_measurement (``y``), prior,
prior_predictive, posterior_predictive (thinned, float32), observed_data, constant_data;
units and descriptions as variable attributes; provenance attributes on the root and on
``posterior``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from importlib import metadata

import arviz as az
import jax
import numpy as np
import xarray as xr

from ..io import atomic_path
from .fit_model import FitModel
from .predictive import PredictivePasses, predictive_keys, prior_draw_count, trace_draws
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


def build_idata(run: NutsRun, key: jax.Array, *, prior_draws: int | None = None,
                passes: PredictivePasses | None = None) -> xr.DataTree:
    """Assemble the DataTree of a finished NUTS run (seeded by ``key`` for predictive draws;
    ``passes``: the same passes compiled ahead, :class:`~.predictive.PredictivePasses`).

    Predictive groups keep ``nuts.predictive_draws`` draws (thinned evenly, float32); the
    log-likelihood groups keep every draw (PSIS-LOO needs them)."""
    fm, mcmc = run.fit_model, run.mcmc
    nuts, data = fm.options.nuts, fm.data
    chains, draws = nuts.chains, nuts.draws
    grouped = mcmc.get_samples(group_by_chain=True)
    flat = {k: v.reshape((chains * draws,) + v.shape[2:]) for k, v in grouped.items()}
    if passes is not None:
        post, prior, n_prior = passes.posterior(flat), passes.prior(), passes.prior_keys.shape[0]
    else:
        n_prior = prior_draw_count(nuts, prior_draws)
        post_keys, prior_keys = predictive_keys(key, chains * draws, n_prior)
        post = trace_draws(fm, flat, post_keys, y=fm.values, chunk=nuts.predictive_chunk)
        prior = trace_draws(fm, {}, prior_keys, chunk=nuts.predictive_chunk)

    def by_chain(d, c, n):
        return {k: np.asarray(v).reshape((c, n) + v.shape[1:]) for k, v in d.items()}

    post, prior = by_chain(post, chains, draws), by_chain(prior, 1, n_prior)
    params = [k for k in post if k not in LIKELIHOOD_SITES]
    stats = nuts_stats(mcmc)
    stats["failed_solves"] = post["failed_solves"].astype(np.int64)

    keep = thinned_draws(draws, chains, nuts.predictive_draws)
    by_measurement = measurement_coords(fm)
    groups = {
        "posterior": _samples({k: post[k] for k in params}, fm),
        "sample_stats": _samples(stats, fm),
        "log_likelihood": _samples({"y_subject": post["log_lik_subject"]}, fm),
        "log_likelihood_measurement": _samples({"y": post["log_lik"].astype(np.float32)}, fm).assign_coords(by_measurement),
        "posterior_predictive": _samples({"y": post["y"][:, keep].astype(np.float32)}, fm, draw=keep).assign_coords(by_measurement),
        "prior": _samples({k: prior[k] for k in params}, fm),
        "prior_predictive": _samples({"y": prior["y"].astype(np.float32)}, fm).assign_coords(by_measurement),
        "observed_data": xr.Dataset({"y": (("measurement",), np.asarray(data.values))},
                                    coords={"measurement": np.arange(data.n_measurements), **by_measurement}),
        "constant_data": constant_data(fm),
    }
    describe(groups, fm)
    attrs = provenance(fm)
    idata = xr.DataTree.from_dict({"/": xr.Dataset(attrs=attrs), **groups})
    idata["posterior"].attrs.update(attrs, chain_method=run.chain_method, gradient=fm.gradient,
                                    sampling_seconds=float(run.seconds),
                                    laplace=json.dumps(run.laplace.summary() if run.laplace else None),
                                    laplace_seconds=float(run.laplace.seconds) if run.laplace else 0.0)
    idata["log_likelihood"].attrs["default_var"] = "y_subject"
    return idata


def nuts_stats(mcmc) -> dict[str, np.ndarray]:
    """The sample_stats of a NUTS run by ArviZ's names, (chain, draw) each: diverging, energy, n_steps,
    acceptance_rate, step_size, tree_depth and ``lp`` (minus the potential energy: the log density in
    the unconstrained space NUTS samples, Jacobians of the bounds' transforms included)."""
    extra = mcmc.get_extra_fields(group_by_chain=True)
    stats = {STAT_NAMES[k]: np.asarray(v) for k, v in extra.items() if k in STAT_NAMES}
    stats["tree_depth"] = (np.log2(np.maximum(stats["n_steps"], 1)).astype(int) + 1)
    stats["lp"] = -np.asarray(extra["potential_energy"])
    return stats


def thinned_draws(draws: int, chains: int, keep: int | None) -> np.ndarray:
    """Indices of the draws kept per chain so that about ``keep`` draws remain in all (all: None)."""
    if keep is None or keep >= draws * chains:
        return np.arange(draws)
    per_chain = max(1, -(-keep // chains))
    return np.unique(np.linspace(0, draws - 1, per_chain).round().astype(int))


def _samples(values: dict, fm: FitModel, draw: np.ndarray | None = None) -> xr.Dataset:
    """A (chain, draw, ...) dataset; a trailing axis of the subject or measurement count gets that dim."""
    data = fm.data
    out = {}
    for name, v in values.items():
        v = np.asarray(v)
        dims = ["chain", "draw"]
        if v.ndim == 3:
            dims.append("group" if name in fm.group_sites else
                        "subject" if name.endswith(("_subject", "_z")) else "measurement")
        out[name] = (dims, v)
    ds = xr.Dataset(out)
    coords = {"chain": np.arange(ds.sizes["chain"]),
              "draw": draw if draw is not None else np.arange(ds.sizes["draw"])}
    if "subject" in ds.dims:
        coords["subject"] = list(data.subjects)
    if "group" in ds.dims:
        coords["group"] = list(fm.groups)
    if "measurement" in ds.dims:
        coords["measurement"] = np.arange(data.n_measurements)
    return ds.assign_coords(coords)


def describe(groups: dict[str, xr.Dataset], fm: FitModel) -> None:
    """Units and descriptions as variable attributes (from the model's parameters and observables)."""
    model = fm.model
    meaning = {p.name: (p.unit, p.description) for p in model.parameters}
    for name in list(groups["posterior"].data_vars):
        base = name.removesuffix("_subject")
        if name.startswith("sigma_"):
            attrs = ("1", f"noise sd of {name.removeprefix('sigma_')} on the log scale (log-normal likelihood)")
        elif name.endswith("_sd"):
            attrs = ("1", f"between-subject sd of log {name.removesuffix('_sd')}")
        elif name.endswith("_z"):
            attrs = ("1", f"standard-normal subject effect of {name.removesuffix('_z')} (non-centred)")
        elif "_beta_" in name:
            effect, cov = name.split("_beta_", 1)
            attrs = ("1", f"coefficient of covariate {cov} on log {effect}")
        elif base in meaning:
            attrs = (meaning[base][0], meaning[base][1] + (" (per subject)" if name != base else ""))
        elif name == "failed_solves":
            attrs = ("1", "subjects whose solve failed at this draw")
        else:
            continue
        for g in ("posterior", "prior"):
            if name in groups[g]:
                groups[g][name].attrs.update(units=attrs[0], description=attrs[1])
    units = {o.name: o.unit for o in model.observables}
    measured = ", ".join(f"{o} [{units[o]}]" for o in fm.data.observables)
    for g, text in (("observed_data", "measured value"), ("posterior_predictive", "posterior-predictive replicate"),
                    ("prior_predictive", "prior-predictive replicate"),
                    ("log_likelihood_measurement", "log-likelihood of each measurement given its subject's effects")):
        unit = "nat" if g.startswith("log_likelihood") else "per measurement: its observable's (in the description)"
        groups[g]["y"].attrs.update(units=unit, description=f"{text}; observable and unit per measurement: {measured}")
    groups["log_likelihood"]["y_subject"].attrs.update(
        units="nat",
        description="log p(y_i | theta) of each subject's whole series, marginal subject effects integrated out "
                    "(the default unit of PSIS-LOO)")


def measurement_coords(fm: FitModel) -> dict:
    d = fm.data
    si, ti, oi = (np.asarray(a) for a in (d.subject_index, d.time_index, d.observable_index))
    return {
        "subject": ("measurement", np.asarray(d.subjects, dtype=str)[si]),
        "group": ("measurement", np.asarray(d.groups, dtype=str)[si]),
        "time": ("measurement", np.asarray(d.times, dtype=float)[ti]),
        "observable": ("measurement", np.asarray(d.observables, dtype=str)[oi]),
    }


def constant_data(fm: FitModel) -> xr.Dataset:
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
        "versions": versions(),
        "free_parameters": json.dumps(list(spec.free)),
        "fit_name": spec.name,
        "fixed_parameters": json.dumps(dict(spec.fixed), sort_keys=True),
        "solver": json.dumps(dataclasses.asdict(spec.solver), sort_keys=True),
    }


VOLATILE_ATTRS = ("created_at", "sampling_seconds", "laplace_seconds")
"""Attributes that differ between two runs of one config (wall-clock); not written, so the same
config and seed give a byte-identical file (the fit log keeps the timings)."""


def write_idata(idata: xr.DataTree, path: str | os.PathLike) -> None:
    """Write netCDF atomically (nothing half-written is left on failure), compressed, without volatile
    attributes."""
    groups = {g: node.to_dataset() for g, node in idata.children.items()}
    for ds in groups.values():
        ds.attrs = {k: v for k, v in ds.attrs.items() if k not in VOLATILE_ATTRS}
    root = xr.Dataset(attrs={k: v for k, v in idata.attrs.items() if k not in VOLATILE_ATTRS})
    stable = xr.DataTree.from_dict({"/": root, **groups})
    encoding = {f"/{g}": {v: {"compression": "gzip", "compression_opts": 4} for v in ds.data_vars}
                for g, ds in groups.items()}
    with atomic_path(path) as tmp:
        stable.to_netcdf(str(tmp), engine="h5netcdf", encoding=encoding)


def versions() -> str:
    """JSON of the versions of the packages a fit file depends on (provenance)."""
    return json.dumps({p: _version(p) for p in PACKAGES}, sort_keys=True)


def _version(package: str) -> str:
    try:
        return metadata.version(package.replace("_", "-"))
    except metadata.PackageNotFoundError:
        return "unknown"


def read_idata(path: str | os.PathLike) -> xr.DataTree:
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
    if "posterior" not in idata.children:
        raise DataError(f"{path}: has no posterior group; {expected}")
    return idata
