# Diagnostics of each fit: summary, gates, figures; fits with a known truth are also scored.
# Expects SETTINGS.diagnose (remodel_fit.settings) and the fit rule's
# output results/fit/{fit}/idata.nc. A failed gate fails the job when diagnose.fail_on_gate is
# true; Snakemake then removes the outputs, but the log keeps the gate table and the reason.


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
    conda:
        "../envs/remodel-fit.yaml"
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
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/diagnose/{fit}.log",
    message:
        "Diagnosing fit {wildcards.fit} and scoring it against {input.truth}"
    shell:
        DIAGNOSE_SHELL
