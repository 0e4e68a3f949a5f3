"""Render diagnostics (summary table, gates) as markdown or HTML snippets for the report."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

SUMMARY_COLUMNS = ("variable", "mean", "sd", "hdi_5%", "hdi_95%", "mcse_mean", "ess_bulk", "ess_tail", "r_hat")


def markdown(frame: pd.DataFrame, digits: int = 4) -> str:
    """A GitHub-flavoured markdown table (no extra dependency)."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(_cell(v, digits) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


def summary_markdown(table: pd.DataFrame) -> str:
    """The ``diagnostics.summary`` table, report columns only."""
    return markdown(table[_present(table, SUMMARY_COLUMNS)])


def summary_html(table: pd.DataFrame) -> str:
    return table[_present(table, SUMMARY_COLUMNS)].to_html(index=False, float_format=lambda x: f"{x:.4g}",
                                                           classes="summary", border=0)


def gates_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per gate: value, rule, decisive element, verdict."""
    rows = [
        {"gate": name, "value": g["value"], "rule": g["rule"], "worst": g.get("worst") or "",
         "result": "pass" if g["passed"] else "FAIL", "note": g.get("note", "")}
        for name, g in report["gates"].items()
    ]
    return pd.DataFrame(rows)


def gates_markdown(report: Mapping[str, Any]) -> str:
    return f"**{_verdict(report)}**\n\n" + markdown(gates_frame(report))


def gates_html(report: Mapping[str, Any]) -> str:
    table = gates_frame(report).to_html(index=False, na_rep="NaN", classes="gates", border=0)
    return f"<p><b>{html.escape(_verdict(report))}</b></p>\n{table}"


def _verdict(report: Mapping[str, Any]) -> str:
    verdict = "all gates passed" if report["passed"] else f"FAILED: {', '.join(report['failed'])}"
    return f"Gates ({report['n_chains']} chains x {report['n_draws']} draws): {verdict}"


def _present(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    return [c for c in columns if c in frame.columns]


def _cell(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "NaN"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value).replace("|", "\\|")
