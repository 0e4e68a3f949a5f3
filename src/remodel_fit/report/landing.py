"""The report's landing page: the answer first. One self-contained HTML file (figures inlined)
with the gates of every fit, the key posterior table, the posterior-predictive figure, the
PSIS-LOO comparison and the Sobol' ranking, each with a caption.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .tables import gates_frame

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
.pass { color: #17692b; font-weight: bold; } .fail { color: #b00020; font-weight: bold; }
figure { margin: 1em 0; } figcaption, .caption { font-size: 0.9em; color: #444; max-width: 60em; }
img { max-width: 100%; border: 1px solid #eee; }
"""


@dataclass
class FitSection:
    """What the landing page shows of one fit."""

    name: str
    gates: Mapping
    summary: pd.DataFrame
    ppc_png: Path | None = None
    predictions_png: Path | None = None
    measurements_png: Path | None = None
    pathways: str | None = None
    """The paragraph of ``remodel-fit pathways`` (bone loss by cytokine arm), when run for this fit."""


@dataclass
class Landing:
    title: str
    fits: list[FitSection] = field(default_factory=list)
    loo: pd.DataFrame | None = None
    sobol: pd.DataFrame | None = None
    sobol_png: Path | None = None
    sobol_source: str = ""
    notes: Sequence[str] = ()


def population_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary's quantities of interest: no per-subject effects or standard-normal latents."""
    keep = ~summary["variable"].str.contains(r"\[", regex=True) & ~summary["variable"].str.endswith("_z")
    return summary[keep]


def sobol_ranking(sobol: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The ``top`` parameters by total index ST for each output and horizon (long Sobol' table)."""
    st = sobol[sobol["index"] == "ST"]
    rows = []
    for (output, years), part in st.groupby(["output", "time_years"], sort=False):
        best = part.nlargest(top, "value")
        rows.append({"output": output, "years": round(float(years), 2),
                     **{f"#{i + 1}": f"{r.parameter} {r.value:.2f}" for i, r in enumerate(best.itertuples())}})
    return pd.DataFrame(rows)


def render(page: Landing) -> str:
    """The landing page as one HTML document."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(page.title)}</title>",
             f"<style>{STYLE}</style></head><body>", f"<h1>{html.escape(page.title)}</h1>"]
    parts += [f"<p>{html.escape(n)}</p>" for n in page.notes]
    parts.append("<h2 id='gates'>Convergence gates</h2>")
    parts.append("<p class='caption'>Every fit must pass every gate before its numbers are read: rank-normalised "
                 "R-hat, bulk and tail effective sample sizes of every posterior quantity, no divergent "
                 "transitions and no failed ODE solves.</p>")
    parts.append(_gates_table(page.fits))
    for fit in page.fits:
        parts.append(f"<h2 id='posterior-{html.escape(fit.name)}'>Posterior of fit {html.escape(fit.name)}</h2>")
        parts.append("<p class='caption'>Population parameters, between-subject sds and noise sds: posterior mean, "
                     "sd, 90 % highest-density interval, R-hat and effective sample sizes (subject effects are in "
                     "the summary table of the diagnostics).</p>")
        parts.append(_table(population_rows(fit.summary), "posterior-table"))
        cover = fit.gates.get("ppc_coverage_90")
        if cover:
            parts.append(f"<p>Posterior-predictive coverage: <b>{cover['inside']} of {cover['points']}</b> measurements "
                         f"({cover['fraction']:.1%}) inside their 90 % interval (noise and discrepancy included).</p>")
        if fit.pathways:
            parts.append(f"<h3 id='pathways-{html.escape(fit.name)}'>Which pathway carries the bone loss</h3>")
            parts += [f"<p>{html.escape(par)}</p>" for par in fit.pathways.split("\n\n") if par.strip()]
        if fit.measurements_png is not None:
            parts.append(_figure(fit.measurements_png, f"measurements-{fit.name}", "Every measurement against its 90 % "
                                 "posterior-predictive interval and median; red points fall outside."))
        if fit.ppc_png is not None:
            parts.append(_figure(fit.ppc_png, f"ppc-{fit.name}", "Posterior predictive check: the 5-95 % and 25-75 % "
                                 "predictive bands and median of each group over time, with the observed values."))
        if fit.predictions_png is not None:
            parts.append(_figure(fit.predictions_png, f"predictions-{fit.name}", "Predicted trajectories of a typical "
                                 "patient under the configured scenarios: posterior median, 50 % and 90 % bands."))
    parts.append("<h2 id='loo'>Model comparison (PSIS-LOO)</h2>")
    if page.loo is None:
        parts.append("<p class='caption'>No comparison configured (fit.compare.fits).</p>")
    else:
        parts.append("<p class='caption'>Expected log predictive density by Pareto-smoothed importance-sampling "
                     "leave-one-out, best first, leaving out a subject (its whole series) or a single measurement; "
                     "differences with their standard errors, stacking weights and the count of unreliable "
                     "points (Pareto k > 0.7).</p>")
        parts.append(_table(page.loo, "loo-table"))
    parts.append("<h2 id='sobol'>What drives the outputs (Sobol' ranking)</h2>")
    if page.sobol is None:
        parts.append("<p class='caption'>No sensitivity analysis in this run.</p>")
    else:
        parts.append(f"<p class='caption'>The five parameters with the largest total Sobol' index ST for each "
                     f"output and horizon ({html.escape(page.sobol_source)}).</p>")
        parts.append(_table(sobol_ranking(page.sobol), "sobol-table"))
        if page.sobol_png is not None:
            parts.append(_figure(page.sobol_png, "sobol-bars", "First-order (S1) and total (ST) indices with "
                                 "bootstrap intervals; hatched bars have an interval that reaches 0."))
    parts.append("</body></html>")
    return "\n".join(parts)


def _gates_table(fits: Sequence[FitSection]) -> str:
    if not fits:
        return "<p>No fits in this run.</p>"
    rows = []
    for fit in fits:
        for row in gates_frame(fit.gates).itertuples():
            verdict = "pass" if row.result == "pass" else "fail"
            value = "NaN" if row.value is None else (f"{row.value:.4g}" if isinstance(row.value, float) else row.value)
            rows.append(f"<tr><td>{html.escape(fit.name)}</td><td>{html.escape(row.gate)}</td><td>{value}</td>"
                        f"<td>{html.escape(row.rule)}</td><td>{html.escape(str(row.worst))}</td>"
                        f"<td class='{verdict}'>{row.result}</td></tr>")
    overall = "".join(f"<li><b>{html.escape(f.name)}</b>: <span class='{'pass' if f.gates['passed'] else 'fail'}'>"
                      f"{'all gates passed' if f.gates['passed'] else 'FAILED: ' + ', '.join(f.gates['failed'])}"
                      f"</span> ({f.gates['n_chains']} chains x {f.gates['n_draws']} draws)</li>" for f in fits)
    return (f"<ul>{overall}</ul><table id='gate-table'><tr><th>fit</th><th>gate</th><th>value</th><th>rule</th>"
            f"<th>decided by</th><th>result</th></tr>{''.join(rows)}</table>")


def _table(frame: pd.DataFrame, ident: str) -> str:
    return frame.to_html(index=False, border=0, table_id=ident, float_format=lambda x: f"{x:.4g}", na_rep="")


def _figure(path: Path, ident: str, caption: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return (f"<figure id='{html.escape(ident)}'><img alt='{html.escape(ident)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")
