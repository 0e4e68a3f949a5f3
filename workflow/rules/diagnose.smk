# Diagnostics of each fit: summary, gates, figures; fits with a known truth are also scored.
# Expects `config["diagnose"]` (workflow/schemas/config.diagnose.schema.yaml) and the fit rule's
# output results/fit/{fit}/idata.nc. A failed gate fails the job when diagnose.fail_on_gate is
# true; Snakemake then removes the outputs, but the log keeps the gate table and the reason.
import re

DIAGNOSE = config.get("diagnose", {})
DIAGNOSE_TRUTH = DIAGNOSE.get("truth", {})
DIAGNOSE_FIGURES = ["trace", "rank", "pair", "forest", "energy", "prior_posterior", "ppc"]
_SCORED_FITS = "|".join(re.escape(str(f)) for f in DIAGNOSE_TRUTH) or "(?!)"


def diagnose_outputs(scored=False):
    """Output files of one fit's diagnosis (the report entries carry a caption each)."""
    def entry(name, ext):
        return report(
            f"results/diagnose/{{fit}}/{name}.{ext}",
            caption=f"../report/diagnose_{name}.rst",
            category="Diagnostics",
            subcategory="{fit}",
        )

    out = {name: entry(name, "png") for name in DIAGNOSE_FIGURES}
    out["summary"] = entry("summary", "csv")
    out["gates"] = entry("gates", "html")
    out["gates_json"] = "results/diagnose/{fit}/gates.json"
    out["bands"] = "results/diagnose/{fit}/ppc_bands.csv"
    if scored:
        out["recovery"] = entry("recovery", "csv")
        out["coverage"] = "results/diagnose/{fit}/coverage.json"
    return out


DIAGNOSE_PARAMS = dict(
    outdir=lambda wildcards: f"results/diagnose/{wildcards.fit}",
    rhat_max=DIAGNOSE.get("rhat_max", 1.01),
    ess_min=DIAGNOSE.get("ess_min", 400),
    max_divergences=DIAGNOSE.get("max_divergences", 0),
    max_failed_solves=DIAGNOSE.get("max_failed_solves", 0),
    fail_on_gate="--fail-on-gate" if DIAGNOSE.get("fail_on_gate", False) else "",
)

DIAGNOSE_SHELL = (
    "remodel-fit diagnose --idata {input.idata} --outdir {params.outdir} {params.truth}"
    " --rhat-max {params.rhat_max} --ess-min {params.ess_min}"
    " --max-divergences {params.max_divergences} --max-failed-solves {params.max_failed_solves}"
    " {params.fail_on_gate} > {log} 2>&1"
)


rule diagnose:
    """Summary table, convergence gates and figures of a fit without a known truth."""
    input:
        idata="results/fit/{fit}/idata.nc",
    output:
        **diagnose_outputs(),
    wildcard_constraints:
        fit=f"(?!(?:{_SCORED_FITS})(?:/|$))[^/]+",
    params:
        **DIAGNOSE_PARAMS,
        truth="",
    log:
        "logs/diagnose/{fit}.log",
    message:
        "Diagnosing fit {wildcards.fit}: gates R-hat <= {params.rhat_max}, ESS >= {params.ess_min}"
    shell:
        DIAGNOSE_SHELL


rule diagnose_scored:
    """As diagnose, plus recovery of the true parameters (fits listed under diagnose.truth)."""
    input:
        idata="results/fit/{fit}/idata.nc",
        truth=lambda wildcards: DIAGNOSE_TRUTH[wildcards.fit],
    output:
        **diagnose_outputs(scored=True),
    wildcard_constraints:
        fit=_SCORED_FITS,
    params:
        **DIAGNOSE_PARAMS,
        truth=lambda wildcards, input: f"--truth {input.truth}",
    log:
        "logs/diagnose/{fit}.log",
    message:
        "Diagnosing fit {wildcards.fit} and scoring it against {input.truth}"
    shell:
        DIAGNOSE_SHELL
