"""Subject random effects on observable scales, integrated out in closed form.

A random effect on a scale parameter that only multiplies its own observables enters the
log-normal likelihood additively on the log scale: for the measurements ``j`` of subject
``i`` that carry effect ``P``,

    log y_j = log f_j + eta + eps_j,   eta ~ N(0, omega^2),   eps_j ~ N(0, s_j^2).

Each (effect, subject) block is then jointly normal on the log scale with covariance
``diag(s^2) + omega^2 11^T``, whose density has a closed form (Sherman-Morrison). With
``r_j = log y_j - log f_j``, ``A = sum 1/s_j^2`` and ``B = sum r_j/s_j^2`` per block,

    log p(y_block) = sum_j log LogNormal(y_j | f_j, s_j) - 1/2 log(1 + omega^2 A)
                     + omega^2 B^2 / (2 (1 + omega^2 A)),

and the conditional posterior of ``eta`` is normal with mean ``omega^2 B / (1 + omega^2 A)``
and variance ``omega^2 / (1 + omega^2 A)``. Sampling only ``omega`` (not one ``eta`` per
subject) removes ``n_subjects`` dimensions per effect from NUTS and the funnel between
``omega`` and the ``eta``; exact subject effects are drawn afterwards from their conditional.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np


@dataclass(frozen=True)
class ScaleEffectBlocks:
    """Which (effect, subject) block each measurement belongs to (``n_blocks`` for none)."""

    effects: tuple[str, ...]
    n_subjects: int
    block: jnp.ndarray
    """(n_measurements,) block id ``effect_index * n_subjects + subject``, or ``n_blocks``."""

    @classmethod
    def build(
        cls, effects: Sequence[str], scale_of: dict[str, str], observables: Sequence[str],
        subject_index: np.ndarray, observable_index: np.ndarray, n_subjects: int,
    ) -> ScaleEffectBlocks:
        effects = tuple(effects)
        effect_of_observable = np.array(
            [effects.index(scale_of[o]) if scale_of.get(o) in effects else -1 for o in observables], dtype=int
        )
        k = effect_of_observable[np.asarray(observable_index)]
        n_blocks = len(effects) * n_subjects
        block = np.where(k >= 0, k * n_subjects + np.asarray(subject_index), n_blocks)
        return cls(effects, n_subjects, jnp.asarray(block))

    @property
    def n_blocks(self) -> int:
        return len(self.effects) * self.n_subjects

    def _sums(self, residual: jnp.ndarray, variance: jnp.ndarray, omega: jnp.ndarray):
        """Per block ``omega^2``, ``A`` and ``B``; ``omega`` holds one sd per effect."""
        seg = lambda v: jax.ops.segment_sum(v, self.block, num_segments=self.n_blocks + 1)[:-1]  # noqa: E731
        a = seg(1.0 / variance)
        b = seg(residual / variance)
        w2 = jnp.repeat(jnp.square(omega), self.n_subjects)
        return w2, a, b

    def block_log_correction(self, residual: jnp.ndarray, variance: jnp.ndarray, omega: jnp.ndarray) -> jnp.ndarray:
        """Marginal minus independent log-likelihood of each block, shaped (n_effects, n_subjects).

        ``residual`` = log y - log f (population-scale prediction), ``variance`` = s^2 on the
        log scale, per measurement.
        """
        w2, a, b = self._sums(residual, variance, omega)
        denom = 1.0 + w2 * a
        return (-0.5 * jnp.log(denom) + 0.5 * w2 * jnp.square(b) / denom).reshape(len(self.effects), self.n_subjects)

    def log_correction(self, residual: jnp.ndarray, variance: jnp.ndarray, omega: jnp.ndarray) -> jnp.ndarray:
        """Marginal minus independent log-likelihood, summed over blocks (a scalar)."""
        return jnp.sum(self.block_log_correction(residual, variance, omega))

    def conditional_z(self, residual: jnp.ndarray, variance: jnp.ndarray, omega: jnp.ndarray):
        """Mean and sd of ``z = eta/omega`` given the data, shaped (n_effects, n_subjects)."""
        w2, a, b = self._sums(residual, variance, omega)
        w = jnp.repeat(omega, self.n_subjects)
        denom = 1.0 + w2 * a
        shape = (len(self.effects), self.n_subjects)
        return (w * b / denom).reshape(shape), (1.0 / jnp.sqrt(denom)).reshape(shape)

    def per_measurement(self, per_block: jnp.ndarray) -> jnp.ndarray:
        """Spread a (n_effects, n_subjects) array to measurements (0 outside any block)."""
        flat = jnp.concatenate([per_block.reshape(-1), jnp.zeros(1)])
        return flat[self.block]
