"""Write a :class:`StudyResult`: tidy CSVs, failures.json, problem.json and four figures (atomic)."""

from __future__ import annotations

from pathlib import Path

from ..io import save_figure, write_csv, write_json
from . import plots
from .study import StudyResult, tidy_tables

FIGURES = ("sobol_bars.png", "sobol_heatmap.png", "morris.png", "convergence.png")


def write_study(outdir: Path, result: StudyResult, *, bounds: dict, sources: dict, seed: int) -> None:
    """Every output of the ``gsa`` stage under ``outdir``."""
    for name, frame in tidy_tables(result).items():
        write_csv(outdir / name, frame)
    write_json(outdir / "failures.json", result.failures)
    import jax

    write_json(outdir / "problem.json", {"seed": seed, "bounds": bounds, "sources": sources, "host_devices": jax.local_device_count()})
    save_figure(outdir / "sobol_bars.png", plots.sobol_bars(result.sobol))
    save_figure(outdir / "sobol_heatmap.png", plots.sobol_heatmap(result.sobol_time))
    save_figure(outdir / "morris.png", plots.morris_plot(result.morris))
    save_figure(outdir / "convergence.png", plots.convergence_plot(result.convergence))
