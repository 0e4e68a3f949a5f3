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


def typical_posterior(config, idata_path: Path, n: int, stage: str):
    """(idata, model, base, draws, solver) of a fit file for a typical subject: ``n`` draws of its free
    parameters (seeded by the fit's seed and ``stage``), its fixed overrides, its model (the config's fit
    entry, else the name recorded in the file) and its solver settings."""
    import json

    from ..inference.idata import read_idata
    from ..inference.predict import fit_base, typical_draws
    from ..registry import get_model
    from ..seeds import stage_key
    from ..solve.options import SolverConfig
    from ..validation import validated

    idata = read_idata(idata_path)
    attrs = idata.posterior.attrs
    fit = config.fit.fits.get(attrs["fit_name"])
    model = get_model(fit.model if fit is not None else attrs["model"])
    free = json.loads(attrs["free_parameters"])
    draws = typical_draws(idata.posterior, free, n, stage_key(int(attrs["seed"]), f"{stage}:{attrs['fit_name']}"))
    solver = validated(SolverConfig, json.loads(attrs.get("solver", "{}")), f"{idata_path}: attribute solver")
    return idata, model, fit_base(idata), draws, solver
