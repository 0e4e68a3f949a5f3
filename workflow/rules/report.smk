# The landing page of the analysis: gates, posterior table, PPC, LOO and the Sobol' ranking
# (remodel-fit report). `make report` also builds Snakemake's own report around it.


def report_inputs(wildcards):
    fits = list(SETTINGS.fit.fits)
    out = {
        "config": config_slice("report", ["fit"]),
        "gates": expand("results/diagnose/{fit}/gates.json", fit=fits),
        "ppc": expand("results/diagnose/{fit}/ppc.png", fit=fits),
        "predictions": expand("results/predict/{fit}/scenarios.png", fit=fits[:1]),
        "sobol": expand("results/gsa/posterior_{fit}/sobol.csv", fit=fits[:1]) if fits else "results/gsa/prior/sobol.csv",
    }
    if len(SETTINGS.fit.compare.fits) > 1:
        out["loo"] = "results/compare/loo_compare.csv"
    return out


rule report:
    input:
        unpack(report_inputs),
    output:
        report("results/report/index.html", caption="../report/landing.rst", category="0. Summary"),
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/report/index.log",
    message:
        "Writing the landing page: gates, posterior, PPC, LOO and the Sobol' ranking"
    shell:
        "remodel-fit report --config {input.config} --results results --out {output} > {log} 2>&1"
