# Global sensitivity analysis of the cytokine parameters (remodel-fit gsa; docs/model.md).
# gsa_prior: ranges from config (always). gsa_posterior: ranges from a fit's posterior quantiles.

GSA_TABLES = ["sobol.csv", "sobol_time.csv", "morris.csv", "dgsm.csv", "convergence.csv", "failures.json"]


rule gsa_prior:
    input:
        config=lambda wildcards: config_slice("gsa", ["gsa"]),
    output:
        tables=expand("results/gsa/prior/{name}", name=GSA_TABLES),
        bars=report("results/gsa/prior/sobol_bars.png", caption="../report/gsa_sobol_bars.rst", category="Sensitivity", subcategory="prior ranges"),
        heatmap=report("results/gsa/prior/sobol_heatmap.png", caption="../report/gsa_sobol_heatmap.rst", category="Sensitivity", subcategory="prior ranges"),
        morris=report("results/gsa/prior/morris.png", caption="../report/gsa_morris.rst", category="Sensitivity", subcategory="prior ranges"),
        convergence=report("results/gsa/prior/convergence.png", caption="../report/gsa_convergence.rst", category="Sensitivity", subcategory="prior ranges"),
    params:
        outdir=lambda wildcards, output: str(Path(output.bars).parent),
        n=SETTINGS.gsa.n,
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/gsa/prior.log",
    threads: JAX_JOB_THREADS
    message:
        "GSA of the cytokine parameters over prior ranges (N = {params.n})"
    shell:
        "remodel-fit gsa --config {input.config} --outdir {params.outdir} --no-progress > {log} 2>&1"


rule gsa_posterior:
    input:
        config=lambda wildcards: config_slice("gsa", ["gsa"]),
        idata="results/fit/{fit}/idata.nc",
    output:
        tables=expand("results/gsa/posterior_{{fit}}/{name}", name=GSA_TABLES),
        bars=report("results/gsa/posterior_{fit}/sobol_bars.png", caption="../report/gsa_sobol_bars.rst", category="Sensitivity", subcategory="posterior ranges {fit}"),
        heatmap=report("results/gsa/posterior_{fit}/sobol_heatmap.png", caption="../report/gsa_sobol_heatmap.rst", category="Sensitivity", subcategory="posterior ranges {fit}"),
        morris=report("results/gsa/posterior_{fit}/morris.png", caption="../report/gsa_morris.rst", category="Sensitivity", subcategory="posterior ranges {fit}"),
        convergence=report("results/gsa/posterior_{fit}/convergence.png", caption="../report/gsa_convergence.rst", category="Sensitivity", subcategory="posterior ranges {fit}"),
    params:
        outdir=lambda wildcards: f"results/gsa/posterior_{wildcards.fit}",
        q=list(SETTINGS.gsa.posterior_quantiles),
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/gsa/posterior_{fit}.log",
    threads: JAX_JOB_THREADS
    message:
        "GSA of the cytokine parameters over posterior quantiles {params.q} of fit {wildcards.fit}"
    shell:
        "remodel-fit gsa --config {input.config} --outdir {params.outdir} --posterior {input.idata} --no-progress > {log} 2>&1"
