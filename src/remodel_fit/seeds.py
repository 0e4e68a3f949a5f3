"""One master seed; every random stage derives its own seed from it by name."""

from __future__ import annotations

import hashlib

import jax


def stage_seed(master: int, stage: str) -> int:
    """A 31-bit seed for ``stage``, a pure function of the master seed and the stage name."""
    digest = hashlib.sha256(f"{int(master)}:{stage}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def stage_key(master: int, stage: str) -> jax.Array:
    """A JAX PRNG key for ``stage`` derived from the master seed."""
    return jax.random.PRNGKey(stage_seed(master, stage))
