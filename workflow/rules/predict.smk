# Scenario predictions from a fit's posterior, its coverage of held-out arms, and the PSIS-LOO
# comparison of the cytokine-arm variants. Config section: fit (predict, heldout, compare).
# Logic: `remodel-fit predict|heldout|compare`.


rule predict:
    input:
        idata="results/fit/{fit}/idata.nc",
        config=lambda wildcards: config_slice("predict", ["fit.predict"]),
    output:
        table="results/predict/{fit}/scenarios.csv",
        figure=report("results/predict/{fit}/scenarios.png", caption="../report/predict.rst",
                      category="Predictions", subcategory="{fit}"),
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/predict/{fit}.log",
    params:
        outdir=lambda wildcards: f"results/predict/{wildcards.fit}",
    message:
        "Scenario predictions from fit {wildcards.fit}"
    shell:
        "remodel-fit predict --config {input.config} --idata {input.idata} --outdir {params.outdir} > {log} 2>&1"


rule heldout:
    input:
        idata="results/fit/{fit}/idata.nc",
        measurements="results/data/heldout/measurements.csv",
        conditions="results/data/heldout/conditions.csv",
        config=lambda wildcards: config_slice(f"heldout_{wildcards.fit}", [f"fit.fits.{wildcards.fit}", "fit.heldout"]),
    output:
        points="results/heldout/{fit}/points.csv",
        coverage=report("results/heldout/{fit}/coverage.csv", caption="../report/heldout.rst",
                        category="Held-out validation", subcategory="{fit}"),
        summary="results/heldout/{fit}/coverage.json",
        figure=report("results/heldout/{fit}/heldout.png", caption="../report/heldout.rst",
                      category="Held-out validation", subcategory="{fit}"),
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/heldout/{fit}.log",
    threads: JAX_JOB_THREADS
    message:
        "Held-out arms against fit {wildcards.fit}'s posterior-predictive band (validation only)"
    shell:
        "remodel-fit heldout --config {input.config} --fit {wildcards.fit} --idata {input.idata} "
        "--measurements {input.measurements} --conditions {input.conditions} --outdir results/heldout/{wildcards.fit} "
        "> {log} 2>&1"


rule compare_arms:
    input:
        idata=expand("results/fit/{fit}/idata.nc", fit=SETTINGS.fit.compare.fits),
    output:
        table=report("results/compare/loo_compare.csv", caption="../report/compare.rst", category="Model comparison"),
        figure=report("results/compare/loo_compare.png", caption="../report/compare.rst", category="Model comparison"),
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/compare/compare_arms.log",
    params:
        names=" ".join(SETTINGS.fit.compare.fits),
    message:
        "PSIS-LOO comparison of the cytokine-arm variants"
    shell:
        "remodel-fit compare --idata {input.idata} --names {params.names} --outdir results/compare > {log} 2>&1"


rule pathways:
    input:
        idata="results/fit/{fit}/idata.nc",
        config=lambda wildcards: config_slice("pathways", ["fit.pathways", "fit.predict"]),
    output:
        table=report("results/pathways/{fit}/pathways.csv", caption="../report/pathways.rst",
                     category="Pathways", subcategory="{fit}"),
        text="results/pathways/{fit}/pathways.md",
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/pathways/{fit}.log",
    params:
        outdir=lambda wildcards: f"results/pathways/{wildcards.fit}",
    message:
        "Bone loss by cytokine arm from fit {wildcards.fit}"
    shell:
        "remodel-fit pathways --config {input.config} --idata {input.idata} --outdir {params.outdir} > {log} 2>&1"
