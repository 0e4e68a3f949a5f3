"""Process set-up of JAX: float64, equinox errors as NaN, host devices, the compile cache.

Nothing here runs at import time. Entry points (the CLI, the tests, benchmarks, worker
processes) call :func:`configure` once, before any JAX computation; library code never sets
environment variables. What each switch does:

- float64 (``jax_enable_x64``): the models integrate states of ~1e-4 pM next to BMD ~1.
- ``EQX_ON_ERROR=nan``: equinox's runtime checks compile to NaN instead of host callbacks,
  so diffrax programs can be stored in the persistent compilation cache (every solve reports
  failure through its own result code).
- ``JAX_USE_SIMPLIFIED_JAXPR_CONSTANTS``: JAX hoists closed-over arrays into arguments of the
  compiled programs, so a fit on new data of the same shape loads its programs from the cache
  (set it to false to opt out).
  Both environment variables are read at import (equinox's by equinox; JAX's by modules of JAX
  that copy the flag when they load, so ``jax.config.update`` later is not enough):
  :func:`configure` sets them (unless already set) and must run before the first import of JAX;
  it warns otherwise.
- host devices (JAX's ``jax_num_cpu_devices``): one CPU device per parallel NUTS chain or
  sensitivity shard; only effective before JAX's backend starts.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

CACHE_ENV = "REMODEL_FIT_JAX_CACHE"
MAX_HOST_DEVICES = 2
"""Host devices asked for at most (one per core of the 2-core machines this runs on)."""


def set_jax_environment() -> None:
    """``EQX_ON_ERROR=nan`` and ``JAX_USE_SIMPLIFIED_JAXPR_CONSTANTS=true`` (kept when the user set
    them), before equinox and JAX read them at import."""
    os.environ.setdefault("EQX_ON_ERROR", "nan")
    os.environ.setdefault("JAX_USE_SIMPLIFIED_JAXPR_CONSTANTS", "true")
    loaded = sys.modules.get("equinox._config")
    if loaded is not None and loaded.EQX_ON_ERROR != os.environ["EQX_ON_ERROR"]:
        warnings.warn(f"equinox was imported before remodel_fit.runtime.configure() with EQX_ON_ERROR="
                      f"{loaded.EQX_ON_ERROR!r}: diffrax programs will not be stored in the compile cache",
                      RuntimeWarning, stacklevel=3)
    if "jax" in sys.modules and not _flag_on():
        warnings.warn("JAX was imported before remodel_fit.runtime.configure(): closed-over arrays stay embedded "
                      "in compiled programs (a fit on new data recompiles)", RuntimeWarning, stacklevel=3)


def set_host_devices(n: int) -> int:
    """Ask XLA for ``n`` CPU devices (clipped to 1..MAX_HOST_DEVICES); returns the count in effect.

    Once JAX's backend has started the count cannot change: the current count is returned.
    """
    import jax

    n = max(1, min(int(n), MAX_HOST_DEVICES))
    try:
        jax.config.update("jax_num_cpu_devices", n)
    except RuntimeError:  # the backend has started: the count is fixed
        return jax.local_device_count()
    return n


def enable_x64() -> None:
    """float64 everywhere."""
    import jax

    jax.config.update("jax_enable_x64", True)


def _flag_on() -> bool:
    import jax

    wanted = os.environ.get("JAX_USE_SIMPLIFIED_JAXPR_CONSTANTS", "true").lower() not in ("0", "false", "no")
    return bool(jax.config.jax_use_simplified_jaxpr_constants) == wanted


def default_cache_dir() -> Path:
    """``$REMODEL_FIT_JAX_CACHE``, else ``$XDG_CACHE_HOME/remodel-fit/jax`` (``~/.cache`` by default)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "remodel-fit" / "jax"


def enable_compile_cache(path: str | os.PathLike | None = None) -> Path:
    """Turn on JAX's persistent compilation cache at ``path`` (default :func:`default_cache_dir`)."""
    import jax

    cache = Path(path) if path is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(cache))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    return cache


def configure(*, devices: int | None = None, compile_cache: bool = False) -> None:
    """Everything an entry point needs before JAX work: environment, float64, devices, cache."""
    set_jax_environment()
    if devices is not None:
        set_host_devices(devices)
    enable_x64()
    if compile_cache:
        enable_compile_cache()
