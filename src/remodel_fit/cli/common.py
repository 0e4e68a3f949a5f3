"""What every verb does first: JAX set-up for this process, the config, and small writers."""

from __future__ import annotations

from pathlib import Path

from ..io import atomic_path


def start(*, devices: int | None = None, compile_cache: bool = True) -> None:
    """Configure JAX for this process (before any JAX work; see :mod:`remodel_fit.runtime`)."""
    from ..runtime import configure

    configure(devices=devices, compile_cache=compile_cache)


def settings(path):
    """The validated workflow settings of a config file."""
    from ..settings import load_settings

    return load_settings(path)


def require_file(path: Path) -> Path:
    if not Path(path).is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    return Path(path)


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
