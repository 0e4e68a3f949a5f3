"""The predictive passes of a fit: posterior draws traced (replicates, log-likelihoods, the
conditional draws of marginal subject effects) and draws from the prior.

:class:`PredictivePasses` lowers both programs before NUTS starts and compiles them, and runs the
prior pass, in a background thread: those XLA compiles and the prior pass (stiff prior draws make
it the costlier of the two) overlap NUTS's single-threaded compile instead of following the
sampling. Same programs and keys as :func:`trace_draws`, so the same numbers.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import jax
from numpyro import handlers

from .fit_model import FitModel


def trace_program(fm: FitModel, y, n: int, chunk: int):
    """``jit(f)(samples, keys)``: the model run once per draw (``n`` of them, ``chunk`` at a time).

    With ``samples`` empty and ``y`` None it draws from the prior. Returns every sample and
    deterministic site plus ``y`` (a replicate), and with ``y`` given ``log_lik`` (per measurement)
    and ``log_lik_subject`` (per subject, marginal effects integrated out).
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

    return jax.jit(lambda s, ks: jax.lax.map(one, (s, ks), batch_size=min(chunk, n)))


def trace_draws(fm: FitModel, samples: dict, keys: jax.Array, *, y=None, chunk: int = 100) -> dict:
    """:func:`trace_program` run on ``samples`` (leading axis = draw; latent sites only are kept)."""
    samples = {k: samples[k] for k in fm.latent_sites() if k in samples}
    return trace_program(fm, y, keys.shape[0], chunk)(samples, keys)


def nuts_site_shapes(fm: FitModel) -> dict[str, jax.ShapeDtypeStruct]:
    """Shape and dtype of one draw of each site NUTS samples (abstractly: nothing is solved)."""

    def sites(key):
        tr = handlers.trace(handlers.seed(fm, key)).get_trace(y=fm.values)
        return {n: s["value"] for n, s in tr.items() if s["type"] == "sample" and not s["is_observed"]}

    return jax.eval_shape(sites, jax.random.PRNGKey(0))


def prior_draw_count(nuts, prior_draws: int | None = None) -> int:
    """Draws of the prior pass: ``prior_draws``, else ``nuts.predictive_draws`` (at most chains x draws)."""
    total = nuts.chains * nuts.draws
    return prior_draws or min(total, nuts.predictive_draws or total)


def predictive_keys(key: jax.Array, n_post: int, n_prior: int) -> tuple[jax.Array, jax.Array]:
    """One key per posterior draw and per prior draw, both derived from ``key``."""
    k_post, k_prior = jax.random.split(key)
    return jax.random.split(k_post, n_post), jax.random.split(k_prior, n_prior)


class PredictivePasses:
    """Both predictive passes of ``fm``'s fit, seeded by ``key`` as :func:`~.idata.build_idata` seeds
    them; compiled (and the prior pass run) in a background thread from construction on."""

    def __init__(self, fm: FitModel, key: jax.Array, n_prior: int):
        nuts = fm.options.nuts
        self.fm, n_post = fm, nuts.chains * nuts.draws
        self.post_keys, self.prior_keys = predictive_keys(key, n_post, n_prior)
        self.sites = {k: jax.ShapeDtypeStruct((n_post, *s.shape), s.dtype) for k, s in nuts_site_shapes(fm).items()
                      if k in fm.latent_sites()}
        post = trace_program(fm, fm.values, n_post, nuts.predictive_chunk).lower(self.sites, self.post_keys)
        prior = trace_program(fm, None, n_prior, nuts.predictive_chunk).lower({}, self.prior_keys)
        pool = ThreadPoolExecutor(1, thread_name_prefix="predictive")
        self._work: Future = pool.submit(self._compile_and_run_prior, post, prior)
        pool.shutdown(wait=False)

    def _compile_and_run_prior(self, post, prior):
        prior_draws = jax.block_until_ready(prior.compile()({}, self.prior_keys))
        return post.compile(), prior_draws

    def prior(self) -> dict:
        """The prior pass's draws (waits for the background thread)."""
        return self._work.result()[1]

    def posterior(self, samples: dict) -> dict:
        """The posterior pass on NUTS's ``samples`` (flattened over chains)."""
        compiled, _ = self._work.result()
        kept = {k: samples[k] for k in self.fm.latent_sites() if k in samples}
        if {k: (v.shape, v.dtype) for k, v in kept.items()} != {k: (s.shape, s.dtype) for k, s in self.sites.items()}:
            return trace_draws(self.fm, kept, self.post_keys, y=self.fm.values, chunk=self.fm.options.nuts.predictive_chunk)
        # parallel chains leave the draws sharded over the host devices; the program was lowered for one
        kept = jax.device_put(kept, compiled.input_shardings[0][0])
        return compiled(kept, self.post_keys)
