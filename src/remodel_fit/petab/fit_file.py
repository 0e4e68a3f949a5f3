"""The fit file of a PEtab fit: an ArviZ ``xarray.DataTree`` laid out as the package's other fits
(docs/architecture.md, "The fit file"), so ``remodel-fit diagnose`` and ``az.loo`` read it as they are.

Groups: posterior and prior (the estimated parameters on their parameter scale), sample_stats
(+ ``failed_solves``: draws whose log-likelihood is not finite), log_likelihood (``y``, per
measurement row), posterior_predictive (``y``, thinned, float32), observed_data (``y`` with the
coordinates subject = experiment, group = simulation condition, time, observable) and
constant_data (nominal values and bounds); provenance attributes on the root and on ``posterior``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from ..inference.idata import nuts_stats, thinned_draws, versions
from ..inference.sampler import Sampled
from .likelihood import full_theta, noise_groups, noise_sample, pointwise_log_density, to_linear
from .objective_priors import sample_prior
from .options import PetabFitOptions
from .simulate import make_simulator

if TYPE_CHECKING:
    from .fit import PetabPosterior

SCALE_UNITS = {"lin": "model units (PEtab gives none)", "log": "ln(model units)", "log10": "log10(model units)"}


def trace_draws(posterior: PetabPosterior, x: np.ndarray, keys: jax.Array) -> dict[str, np.ndarray]:
    """Per draw (rows of ``x``, parameter scale): the log density of every measurement row
    (``log_lik``), a replicate of every row (``y``), the log-likelihood (``llh``) and whether it is
    not finite (``failed``); draws are simulated one after another (``lax.map``)."""
    problem = posterior.problem
    simulate, pointwise, groups = make_simulator(problem, posterior.solver), pointwise_log_density(problem), noise_groups(problem)
    n_rows = problem.n_measurements

    def one(args):
        xi, key = args
        y, s, ok = simulate(full_theta(problem, to_linear(problem, xi)))
        log_lik = pointwise(y, s)
        llh = jnp.where(ok, jnp.sum(log_lik), -jnp.inf)
        replicate = jnp.zeros(n_rows)
        for k, (rows, tr, d) in zip(jax.random.split(key, len(groups)), groups):
            replicate = replicate.at[rows].set(noise_sample(k, y[rows], s[rows], tr, d))
        return {"log_lik": log_lik, "y": replicate, "llh": llh, "failed": ~jnp.isfinite(llh)}

    out = jax.jit(lambda xs, ks: jax.lax.map(one, (xs, ks)))(jnp.asarray(x), keys)
    return {k: np.asarray(v) for k, v in out.items()}


def measurement_coords(posterior: PetabPosterior) -> dict:
    """Coordinates of the measurement rows: experiment (as subject), simulation condition (as group),
    time and observable."""
    m = posterior.problem.measurements
    experiments = np.array([sim if pre is None else f"{pre}>{sim}" for pre, sim in m.experiments], dtype=str)
    conditions = np.array([sim for _, sim in m.experiments], dtype=str)
    observable = np.empty(len(m.values), dtype=object)
    for oid, rows in m.rows_by_observable.items():
        observable[rows] = oid
    return {
        "subject": ("measurement", experiments[m.row_experiment]),
        "group": ("measurement", conditions[m.row_experiment]),
        "time": ("measurement", np.asarray(m.times, dtype=float)),
        "observable": ("measurement", observable.astype(str)),
    }


def _samples(values: dict[str, np.ndarray], draw: np.ndarray | None = None) -> xr.Dataset:
    """A (chain, draw[, measurement]) dataset with integer coordinates."""
    out = {name: (["chain", "draw"] + (["measurement"] if np.ndim(v) == 3 else []), np.asarray(v))
           for name, v in values.items()}
    ds = xr.Dataset(out)
    coords = {"chain": np.arange(ds.sizes["chain"]), "draw": draw if draw is not None else np.arange(ds.sizes["draw"])}
    if "measurement" in ds.dims:
        coords["measurement"] = np.arange(ds.sizes["measurement"])
    return ds.assign_coords(coords)


def _parameters(posterior: PetabPosterior, x: np.ndarray) -> xr.Dataset:
    """(chain, draw, parameter) draws as one variable per estimated parameter, with units and descriptions."""
    table = posterior.problem.parameters
    ds = _samples({pid: x[..., j] for j, pid in enumerate(posterior.ids)})
    for j, i in enumerate(np.where(table.estimated)[0]):
        pid, scale, prior = table.ids[i], table.scales[i], table.priors[i]
        kind = "uniform on the parameter scale (PEtab's default)" if prior["default"] else \
            f"{prior['type']}({', '.join(f'{v:g}' for v in prior['parameters'])})"
        ds[pid].attrs.update(units=SCALE_UNITS[scale], parameter_scale=scale,
                             description=f"PEtab parameter {pid} on its {scale} scale, bounds [{posterior.lower[j]:g}, "
                             f"{posterior.upper[j]:g}] on that scale; objective prior {kind}")
    return ds


def constant_data(posterior: PetabPosterior) -> xr.Dataset:
    nominal = posterior.nominal()
    table = posterior.problem.parameters
    scales = [table.scales[i] for i in np.where(table.estimated)[0]]
    ds = xr.Dataset({"nominal": ("parameter", nominal), "lower": ("parameter", posterior.lower),
                     "upper": ("parameter", posterior.upper), "parameter_scale": ("parameter", np.array(scales, dtype=str))},
                    coords={"parameter": list(posterior.ids)})
    ds["nominal"].attrs.update(description="nominalValue of the parameter table on the parameter scale")
    ds["lower"].attrs.update(description="lowerBound on the parameter scale")
    ds["upper"].attrs.update(description="upperBound on the parameter scale")
    return ds


def provenance(posterior: PetabPosterior, options: PetabFitOptions) -> dict:
    problem = posterior.problem
    digest = hashlib.sha256()
    for path in [problem.yaml_path] + [p for paths in problem.files.values() for p in paths]:
        digest.update(path.read_bytes())
    table = problem.parameters
    return {
        "model": f"petab:{problem.name}",
        "petab_problem": str(problem.yaml_path),
        "petab_sha256": digest.hexdigest(),
        "seed": int(options.seed),
        "config_hash": options.config_hash,
        "versions": versions(),
        "fit_name": options.name,
        "free_parameters": json.dumps(list(posterior.ids)),
        "fixed_parameters": json.dumps({p: float(v) for p, v, e in zip(table.ids, table.nominal, table.estimated) if not e},
                                       sort_keys=True),
        "solver": json.dumps(dataclasses.asdict(posterior.solver), sort_keys=True),
    }


def _observed(posterior: PetabPosterior, coords: dict) -> xr.Dataset:
    values = np.asarray(posterior.problem.measurements.values, dtype=float)
    ds = xr.Dataset({"y": (("measurement",), values)}, coords={"measurement": np.arange(values.size), **coords})
    ds["time"].attrs.update(units="the problem's time unit")
    ds["y"].attrs.update(units="as in the measurement table", description="measurement of each row of the PEtab "
                         "measurement table (observable, experiment and time as coordinates)")
    return ds


def fit_file(posterior: PetabPosterior, run: Sampled, options: PetabFitOptions, key: jax.Array) -> xr.DataTree:
    """Assemble the DataTree of a finished NUTS run of ``posterior`` (``key`` seeds replicates and prior draws)."""
    nuts = options.nuts
    chains, draws = nuts.chains, nuts.draws
    grouped = run.mcmc.get_samples(group_by_chain=True)
    x = np.stack([np.asarray(grouped[pid]) for pid in posterior.ids], axis=-1)  # (chain, draw, parameter)
    k_post, k_prior = jax.random.split(key)
    traced = trace_draws(posterior, x.reshape(chains * draws, -1), jax.random.split(k_post, chains * draws))
    traced = {k: v.reshape((chains, draws) + v.shape[1:]) for k, v in traced.items()}
    n_prior = min(chains * draws, nuts.predictive_draws or chains * draws)
    prior = sample_prior(posterior.problem, k_prior, n_prior)[None]
    stats = nuts_stats(run.mcmc)
    stats["failed_solves"] = traced["failed"].astype(np.int64)
    keep = thinned_draws(draws, chains, nuts.predictive_draws)
    coords = measurement_coords(posterior)
    groups = {
        "posterior": _parameters(posterior, x),
        "prior": _parameters(posterior, prior),
        "sample_stats": _samples(stats),
        "log_likelihood": _samples({"y": traced["log_lik"]}).assign_coords(coords),
        "posterior_predictive": _samples({"y": traced["y"][:, keep].astype(np.float32)}, draw=keep).assign_coords(coords),
        "observed_data": _observed(posterior, coords),
        "constant_data": constant_data(posterior),
    }
    groups["log_likelihood"]["y"].attrs.update(units="nat", description="PEtab log density of each measurement row "
                                               "given the draw (noise model and transformation of its observable)")
    groups["posterior_predictive"]["y"].attrs.update(units="as in the measurement table",
                                                     description="posterior-predictive replicate of each measurement row")
    groups["sample_stats"]["failed_solves"].attrs.update(units="1", description="1 where the log-likelihood at the draw "
                                                         "is not finite (a failed solve)")
    attrs = provenance(posterior, options)
    idata = xr.DataTree.from_dict({"/": xr.Dataset(attrs=attrs), **groups})
    idata["posterior"].attrs.update(attrs, chain_method=run.chain_method, gradient=posterior.solver.mode,
                                    sampling_seconds=float(run.seconds),
                                    laplace=json.dumps(run.laplace.summary() if run.laplace else None),
                                    laplace_seconds=float(run.laplace.seconds) if run.laplace else 0.0)
    return idata
