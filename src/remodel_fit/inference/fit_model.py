"""From (Model, Dataset, FitOptions) to a NumPyro model.

Sites (the names docs/architecture.md gives for the InferenceData groups):
- one per free parameter, natural scale (NUTS samples positive ones on the log scale);
- ``P_sd`` (log-scale between-subject sd), ``P_z`` (standard normal, non-centred) and the
  deterministic ``P_subject`` = P * exp(P_sd * P_z) for each random effect P. Effects on
  observable scales are integrated out (``random_effects_method: marginal``, see
  :mod:`.marginal`): NUTS samples only ``P_sd``, and ``P_z`` is drawn from its exact
  conditional posterior when draws are traced (``fm(y, conditional=True)``);
- ``sigma_<obs>`` (log-normal sd) for observables with a row lacking a table sd (for every
  observable with ``discrepancy``: then added in quadrature to the table's sd);
- ``failed_solves`` (deterministic count) and a large negative factor when > 0;
- ``y``: log-normal likelihood of every measurement (``y=None`` gives the prior predictive).

Scale parameters that only multiply their own observables are solved at 1 and applied
afterwards; subjects sharing an input schedule share one solve; the solves run one after
another under ``lax.map`` (:data:`BATCH`), each ending at the last visit of its subjects;
predictions are gathered at (subject_index, time_index, observable_index).
"""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
from numpyro import distributions as dist

from ..data.dataset import Dataset
from ..errors import ConfigError
from ..model.base import Model, Params
from ..solve.batch import distinct_schedules, solve_subjects
from ..solve.forward import forward_subject_solver, subject_thetas
from ..solve.simulate import simulate
from .marginal import ScaleEffectBlocks
from .options import EffectDesign, FitOptions, Prior, gradient_mode
from .priors import DEFAULT_NOISE, distribution

FAILED_SOLVE_PENALTY = -1e8
"""Log-density added per failed solve: finite (no NaN), far below any real posterior mass."""
DUMMY_PREDICTION = 1.0


def factorable_scales(model: Model, params: Params, observables: tuple[str, ...]) -> dict[str, str]:
    """Observable -> scale parameter, for scales that multiply exactly their own observables.

    Such a scale never enters the dynamics, so predictions can be solved with it at 1 and
    multiplied afterwards (random effects on it then cost no extra solves or Jacobian
    columns). Checked numerically at the initial state: doubling the scale must double the
    observables that declare it and leave every other observable of the data unchanged.
    """
    declared = {o.name: o.scale_parameter for o in model.observables if o.name in observables and o.scale_parameter}
    if not declared:
        return {}
    p = model.prepared(params, {})
    y0 = model.initial_state(p, {})
    t0 = jnp.asarray(0.0)
    base = model.observe(t0, y0, y0, p, {})
    out = {}
    for scale in set(declared.values()):
        doubled = model.observe(t0, y0, y0, {**p, scale: 2.0 * p[scale]}, {})
        mine = [o for o, s in declared.items() if s == scale]
        ok = all(np.isclose(float(doubled[o]), 2.0 * float(base[o]), rtol=1e-12) for o in mine) and all(
            np.isclose(float(doubled[o]), float(base[o]), rtol=1e-12) for o in observables if o not in mine
        )
        if ok:
            out.update({o: scale for o in mine})
    return out


BATCH = "map"
"""How subjects (or distinct schedules) are solved in one potential: "map" one after another
under ``lax.map`` (each solve its own step count and horizon, the solver compiled once), or
"vmap" in lockstep (every lane pays the slowest one's steps). Measured: benchmarks/RESULTS.md,
"Solving subjects: lax.map against vmap"."""


class FitModel:
    """A callable NumPyro model ``fm(y=None)`` bound to one model, dataset and fit options."""

    def __init__(self, model: Model, data: Dataset, options: FitOptions):
        if options.model != model.name:
            raise ConfigError(f"fit {options.name!r} is for model {options.model!r}, not {model.name!r}")
        unknown = sorted(set(data.observables) - set(model.observable_names))
        if unknown:
            raise ConfigError(f"fit {options.name!r}: observable {unknown[0]!r} of the data is not one of model {model.name!r}")
        self.model, self.data, self.options = model, data, options
        self.base = model.params(options.fixed)
        self.times = jnp.asarray(data.times, dtype=jnp.float64)
        self.subject_index = jnp.asarray(data.subject_index)
        self.time_index = jnp.asarray(data.time_index)
        self.observable_index = jnp.asarray(data.observable_index)
        values = np.asarray(data.values, dtype=float)
        sd = np.asarray(data.sd, dtype=float)
        self.has_sd = jnp.asarray(np.isfinite(sd) & (sd > 0))
        self.sd_log = jnp.asarray(np.where(np.isfinite(sd) & (sd > 0), sd / values, 1.0))
        needs = set(np.asarray(data.observable_index)[~np.asarray(self.has_sd)].tolist())
        if options.discrepancy:
            needs = set(range(len(data.observables)))
        self.noise_observables = tuple(o for i, o in enumerate(data.observables) if i in needs)
        self.values = jnp.asarray(values)
        self.gradient = gradient_mode(options.nuts, options.solver)
        self.scale_of = factorable_scales(model, self.base, data.observables)
        self.unit_scales = {s: jnp.asarray(1.0) for s in set(self.scale_of.values())}
        effects = tuple(n for n in options.random_effects if n not in options.free)
        self.dynamic = tuple(n for n in (*options.free, *effects) if n not in self.unit_scales)
        self._forward = forward_subject_solver(model, self._solved(self.base), self.dynamic, data.observables, options.solver)
        dynamic_effects = set(options.random_effects) & set(self.dynamic)
        self.schedules = None if dynamic_effects else distinct_schedules(data.inputs, data.n_subjects)
        self.subject_times = horizon_times(data.times, data.time_index, data.subject_index, data.n_subjects)
        self.schedule_times = None if self.schedules is None else np.stack(
            [self.subject_times[self.schedules[1] == k].max(axis=0) for k in range(self.schedules[0].size)])
        self.marginal = tuple(
            p for p in options.random_effects if options.random_effects_method == "marginal" and p in self.unit_scales
        )
        self.groups = tuple(dict.fromkeys(data.groups))
        self.group_index = jnp.asarray([self.groups.index(g) for g in data.groups], dtype=jnp.int32)
        self.designs = {n: options.effect_design.get(n, EffectDesign()) for n in options.random_effects}
        for n, design in self.designs.items():
            if n in self.marginal and (design.level != "subject" or design.covariates):
                raise ConfigError(f"fit {options.name!r}: random effect {n!r} is integrated out (an observable "
                                  "scale): it varies per subject and takes no covariates")
            missing = [c for c in design.covariates if c not in data.covariates]
            if missing:
                raise ConfigError(f"fit {options.name!r}: covariate {missing[0]!r} of random effect {n!r} is not in "
                                  f"the data (covariates: {', '.join(data.covariates) or 'none'})")
        self.ref_index = None if data.ref_time_index is None else jnp.asarray(data.ref_time_index)
        self.annual_years = None if data.annual_years is None else jnp.asarray(data.annual_years, dtype=jnp.float64)
        self.blocks = ScaleEffectBlocks.build(
            self.marginal, self.scale_of, data.observables, data.subject_index, data.observable_index, data.n_subjects
        )

    # ---------------------------------------------------------------- sites
    @property
    def free_parameters(self) -> tuple[str, ...]:
        return tuple(self.options.free)

    def noise_scale(self, sigma: jnp.ndarray) -> jnp.ndarray:
        """Log-scale sd of each measurement from the per-observable ``sigma``: the table's sd
        where given, in quadrature with ``sigma`` when the fit has ``discrepancy``."""
        own = sigma[self.observable_index]
        table = jnp.sqrt(jnp.square(self.sd_log) + jnp.square(own)) if self.options.discrepancy else self.sd_log
        return jnp.where(self.has_sd, table, own)

    def noise_prior(self, obs: str) -> Prior:
        return self.options.noise.get(obs, self.options.noise.get("default", DEFAULT_NOISE))

    def sample_parameters(self) -> tuple[Params, dict[str, jnp.ndarray], jnp.ndarray]:
        """Shared parameters (defaults, fixed, free), per-subject values of the sampled random
        effects, and the sds of the marginal ones (in ``self.marginal`` order)."""
        params = dict(self.base)
        for name, prior in self.options.free.items():
            params[name] = numpyro.sample(name, distribution(prior))
        varying, omega = {}, {}
        for name, sd_prior in self.options.random_effects.items():
            sd = numpyro.sample(f"{name}_sd", dist.HalfNormal(sd_prior))
            if name in self.marginal:
                omega[name] = sd
                continue
            varying[name] = numpyro.deterministic(f"{name}_subject", params[name] * jnp.exp(self._log_effect(name, sd)))
        return params, varying, jnp.stack([omega[p] for p in self.marginal]) if self.marginal else jnp.zeros(0)

    def _log_effect(self, name: str, sd: jnp.ndarray) -> jnp.ndarray:
        """Per-subject log effect of a sampled random effect: sd z (per subject or per group) plus its covariates."""
        design = self.designs[name]
        if design.level == "group":
            with numpyro.plate("group", len(self.groups)):
                z = numpyro.sample(f"{name}_z", dist.Normal(0.0, 1.0))
            eta = sd * z[self.group_index]
        else:
            with numpyro.plate("subject", self.data.n_subjects):
                z = numpyro.sample(f"{name}_z", dist.Normal(0.0, 1.0))
            eta = sd * z
        for cov, scale in design.covariates.items():
            beta = numpyro.sample(f"{name}_beta_{cov}", dist.Normal(0.0, scale))
            eta = eta + beta * jnp.asarray(self.data.covariates[cov], dtype=jnp.float64)
        return eta

    @property
    def group_sites(self) -> tuple[str, ...]:
        """``P_z`` sites with one value per group (not per subject)."""
        return tuple(f"{n}_z" for n, d in self.designs.items() if d.level == "group")

    def predictions(self, params: Params, varying: Mapping[str, jnp.ndarray]) -> tuple[jnp.ndarray, jnp.ndarray]:
        """Predicted value of every measurement (finite, positive) and the number of failed solves."""
        n = self.data.n_subjects
        if self.schedules is not None:
            table, ok = self._solve_distinct(params)
        elif self.gradient == "forward" and self.dynamic:
            theta = subject_thetas(self.dynamic, params, varying, n)
            table, ok = solve_batch(self._forward, theta, dict(self.data.inputs), self.subject_times)
            ok = ok > 0.5
        else:
            dynamic_varying = {k: v for k, v in varying.items() if k in self.dynamic}
            sol = solve_subjects(self.model, self._solved(params), dynamic_varying, self.times, self.data.inputs, self.options.solver)
            table = jnp.stack([sol.observables[o] for o in self.data.observables], axis=1)
            ok = sol.ok

        def subject_values(name):
            return varying[name] if name in varying else jnp.broadcast_to(params[name], (n,))

        ones = jnp.ones(n)
        factor = jnp.stack([subject_values(self.scale_of[o]) if o in self.scale_of else ones for o in self.data.observables], axis=1)
        table = table * factor[:, :, None]
        pred = table[self.subject_index, self.observable_index, self.time_index]
        if self.ref_index is not None:
            ref = table[self.subject_index, self.observable_index, jnp.maximum(self.ref_index, 0)]
            pred = jnp.where(self.ref_index >= 0, pred / jnp.where(ref > 0, ref, 1.0), pred)
            pred = jnp.where((self.ref_index < 0) | (ref > 0), pred, jnp.nan)
        if self.annual_years is not None:
            pred = jnp.where(self.annual_years > 0, 1.0 + (pred - 1.0) / jnp.where(self.annual_years > 0, self.annual_years, 1.0), pred)
        good = ok[self.subject_index] & jnp.isfinite(pred) & (pred > 0)
        bad_subject = jnp.zeros(self.data.n_subjects, bool).at[self.subject_index].max(~good) | ~ok
        return jnp.where(good, pred, DUMMY_PREDICTION), jnp.sum(bad_subject)

    def _solved(self, params: Params) -> Params:
        """``params`` as solved: factorable scales at 1 (applied to the predictions afterwards)."""
        return {**params, **self.unit_scales}

    def _solve_distinct(self, params: Params) -> tuple[jnp.ndarray, jnp.ndarray]:
        """One solve per distinct input schedule (to the last time any of its subjects is
        observed), mapped to subjects."""
        first, subject_to_schedule = self.schedules
        inputs = jax.tree_util.tree_map(lambda a: a[first], dict(self.data.inputs))
        times = self.schedule_times
        if self.gradient == "forward" and self.dynamic:
            theta = jnp.stack([params[name] for name in self.dynamic])
            thetas = jnp.broadcast_to(theta, (first.size, theta.size))
            tables, oks = solve_batch(self._forward, thetas, inputs, times)
            oks = oks > 0.5
        else:
            solved = self._solved(params)

            def solve(theta, inp, ts):
                sol = simulate(self.model, solved, ts, inp, config=self.options.solver)
                return jnp.stack([sol.observables[o] for o in self.data.observables]), sol.ok

            tables, oks = solve_batch(solve, jnp.zeros((first.size, 0)), inputs, times)
        return tables[subject_to_schedule], oks[subject_to_schedule]

    def __call__(self, y=None, conditional: bool = False):
        """The model; with ``conditional`` the marginal subject effects are drawn from their
        posterior given ``y`` (for traced posterior draws) instead of being integrated out."""
        params, varying, omega = self.sample_parameters()
        pred, failed = self.predictions(params, varying)
        numpyro.deterministic("failed_solves", failed)
        numpyro.factor("failed_solve_penalty", FAILED_SOLVE_PENALTY * failed)
        sigma = jnp.ones(len(self.data.observables))
        for obs in self.noise_observables:
            s = numpyro.sample(f"sigma_{obs}", distribution(self.noise_prior(obs)))
            sigma = sigma.at[self.data.observables.index(obs)].set(s)
        scale = self.noise_scale(sigma)
        if conditional and y is not None:
            numpyro.deterministic("log_lik_subject", self.subject_log_likelihood(pred, scale, omega, y))
        if self.marginal:
            pred = self._marginal_effects(params, omega, pred, scale, y, conditional)
        with numpyro.plate("measurement", self.data.n_measurements):
            numpyro.sample("y", dist.LogNormal(jnp.log(pred), scale), obs=y)

    def subject_log_likelihood(self, pred, scale, omega, y) -> jnp.ndarray:
        """log p(y_i | theta) of each subject's whole series, with the marginal (scale) effects
        integrated out; sampled effects on dynamic parameters stay conditioned on. The unit of
        leave-one-subject-out PSIS-LOO (``pred``: predictions before marginal effects)."""
        pointwise = dist.LogNormal(jnp.log(pred), scale).log_prob(y)
        total = jax.ops.segment_sum(pointwise, self.subject_index, num_segments=self.data.n_subjects)
        if self.marginal:
            residual = jnp.log(y) - jnp.log(pred)
            total = total + jnp.sum(self.blocks.block_log_correction(residual, jnp.square(scale), omega), axis=0)
        return total

    def _marginal_effects(self, params: Params, omega, pred, scale, y, conditional: bool):
        """Add the closed-form marginal term, or draw the subject effects and apply them to ``pred``."""
        residual = None if y is None else jnp.log(y) - jnp.log(pred)
        if y is not None and not conditional:
            numpyro.factor("scale_effects_marginal", self.blocks.log_correction(residual, jnp.square(scale), omega))
            return pred
        if y is None:
            shape = (len(self.marginal), self.data.n_subjects)
            mean, sd = jnp.zeros(shape), jnp.ones(shape)
        else:
            mean, sd = self.blocks.conditional_z(residual, jnp.square(scale), omega)
        eta = []
        for k, name in enumerate(self.marginal):
            with numpyro.plate("subject", self.data.n_subjects):
                z = numpyro.sample(f"{name}_z", dist.Normal(mean[k], sd[k]))
            eta.append(omega[k] * z)
            numpyro.deterministic(f"{name}_subject", params[name] * jnp.exp(eta[-1]))
        return pred * jnp.exp(self.blocks.per_measurement(jnp.stack(eta)))

    def latent_sites(self) -> list[str]:
        """Names of the sampled (non-observed) sites, in model order (``P_z`` of marginal effects
        included: NUTS does not sample them, traced posterior draws do)."""
        names = list(self.options.free)
        for name in self.options.random_effects:
            names += [f"{name}_sd", f"{name}_z"] + [f"{name}_beta_{c}" for c in self.designs[name].covariates]
        return names + [f"sigma_{o}" for o in self.noise_observables]


def horizon_times(times, time_index, subject_index, n_subjects: int) -> np.ndarray:
    """(n_subjects, n_times): the time grid clipped to each subject's last observation, so a
    solve ends there (a subject without measurements keeps the whole grid)."""
    times = np.asarray(times, dtype=float)
    last = np.full(n_subjects, -1, dtype=int)
    np.maximum.at(last, np.asarray(subject_index), np.asarray(time_index))
    end = np.where(last >= 0, times[np.maximum(last, 0)], times[-1])
    return np.minimum(times[None, :], end[:, None])


def solve_batch(solve, thetas, inputs, times):
    """``solve(theta, inputs, times)`` of every row (leading axis of each argument), as
    :data:`BATCH` says; a batch without inputs solves its rows with empty inputs."""
    if BATCH == "vmap":
        return jax.vmap(solve)(thetas, inputs, times)
    return jax.lax.map(lambda a: solve(*a), (thetas, inputs, jnp.asarray(times)))
