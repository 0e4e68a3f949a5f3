"""``remodel-fit gsa``: global sensitivity of the cytokine parameters (prior or posterior ranges)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("gsa", help="Sobol', Morris, DGSM and convergence of the cytokine parameters")
    p.add_argument("--config", required=True, help="workflow config YAML (sections seed, model, solver, gsa)")
    p.add_argument("--outdir", required=True, help="directory for sobol.csv, figures, failures.json, ...")
    p.add_argument("--posterior", help="a fit's idata.nc: take ranges from posterior quantiles")
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = _read_config(args.config)
    section = config.get("gsa") or {}
    _host_devices(int(section.get("devices", 2)))  # before any JAX computation in this process

    from ..seeds import stage_seed
    from ..sensitivity.outputs import write_study
    from ..sensitivity.settings import GsaSettings
    from ..sensitivity.study import run_study

    settings = GsaSettings.from_config(section)
    bounds, sources = _bounds(settings, args.posterior)
    seed = stage_seed(int(config.get("seed", 0)), settings.seed_stage)
    result = run_study(
        bounds, settings, seed=seed, solver=settings.solver_config(config.get("solver")), model=_model_name(config),
        progress=not args.no_progress,
    )
    write_study(Path(args.outdir), result, bounds=bounds, sources=sources, seed=seed)
    return 0


def _bounds(settings, posterior: str | None) -> tuple[dict, dict]:
    from ..sensitivity.bone import bounds_from_posterior

    bounds = {k: [float(v) for v in pair] for k, pair in settings.parameters.items()}
    sources = {k: "config" for k in bounds}
    if posterior:
        import arviz as az

        idata = az.from_netcdf(posterior)
        present = [k for k in bounds if k in idata.posterior]
        bounds.update(bounds_from_posterior(idata, present, settings.posterior_quantiles))
        sources.update({k: f"posterior {posterior} q={list(settings.posterior_quantiles)}" for k in present})
    return bounds, sources


def _read_config(path: str) -> dict:
    import yaml

    from ..errors import ConfigError

    with open(path) as fh:
        config = yaml.safe_load(fh) or {}
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return config


def _model_name(config: dict) -> str:
    model = config.get("model", "bone_inflammation")
    return model.get("name", "bone_inflammation") if isinstance(model, dict) else str(model)


def _host_devices(n: int) -> None:
    """Ask XLA for ``n`` CPU devices (effective only before the JAX backend starts)."""
    flag = f"--xla_force_host_platform_device_count={n}"
    if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flag}".strip()
