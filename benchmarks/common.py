"""Shared helpers for the benchmark scripts: timing and the machine/version header."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import metadata


def median_time(fn: Callable[[], object], *, repeats: int = 20, warmup: int = 2) -> float:
    """Median wall time (seconds) of ``fn()`` after ``warmup`` calls; results are blocked on."""
    import jax

    for _ in range(warmup):
        jax.block_until_ready(fn())
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def header(command: str) -> str:
    """Markdown lines naming the machine, load, versions and the command that produced a figure."""
    versions = ", ".join(
        f"{pkg} {metadata.version(pkg)}" for pkg in ("jax", "jaxlib", "diffrax", "equinox", "numpyro", "SALib") if _has(pkg)
    )
    cpu = platform.processor() or platform.machine()
    try:
        model = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
        cpu = model or cpu
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"- machine: {cpu}, {os.cpu_count()} cores, load average {load:.1f} at start; Python {sys.version.split()[0]}\n"
        f"- versions: {versions}\n"
        f"- command: `{command}`\n"
    )


def command_line() -> str:
    """How this benchmark was started, as ``python <script> <args>``."""
    return " ".join(["python", *sys.argv])


def publish(target: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``target`` (a bare file name: ``benchmarks/out/<name>``) atomically (never
    half-written) and print it."""
    from pathlib import Path

    from remodel_fit.io import atomic_path

    path = Path(target)
    path = path if path.parent != Path(".") else Path(__file__).parent / "out" / path
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    print(text)


def _has(pkg: str) -> bool:
    try:
        metadata.version(pkg)
        return True
    except metadata.PackageNotFoundError:
        return False
