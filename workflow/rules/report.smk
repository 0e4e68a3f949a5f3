# The landing page of the analysis: gates, posterior table, PPC, LOO and the Sobol' ranking
# (remodel-fit report). `make report` also builds Snakemake's own report around it.


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
