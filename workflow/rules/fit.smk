# Fits: one NUTS fit per entry of fit.fits -> results/fit/{fit}/idata.nc (a model fit to its tables, or a
# PEtab problem: fit.fits.<name>.petab, its YAML and the files it names as inputs), and the
# simulation-based calibration of a model fit (slow; not in rule all unless asked for).
# Config section: fit (remodel_fit.settings.fit). Logic: `remodel-fit fit|sbc`.


rule fit:
    priority: CRITICAL_PATH_PRIORITY
    input:
        unpack(fit_tables),
        unpack(fit_model_file),
        unpack(fit_petab_files),
        config=lambda wildcards: config_slice(f"fit_{wildcards.fit}", [f"fit.fits.{wildcards.fit}"]),
    output:
        idata="results/fit/{fit}/idata.nc",
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/fit/{fit}.log",
    params:
        tables=fit_table_args,
    threads: JAX_JOB_THREADS
    message:
        "NUTS fit {wildcards.fit}"
    shell:
        "remodel-fit fit --config {input.config} --fit {wildcards.fit} {params.tables} --out {output.idata} > {log} 2>&1"


rule sbc:
    input:
        unpack(fit_tables),
        config=lambda wildcards: config_slice(f"sbc_{wildcards.fit}", [f"fit.fits.{wildcards.fit}", "fit.sbc"]),
    output:
        ranks="results/sbc/{fit}/ranks.csv",
        figure=report("results/sbc/{fit}/ranks.png", caption="../report/sbc.rst", category="Validation"),
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/sbc/{fit}.log",
    params:
        tables=fit_table_args,
        outdir=lambda wildcards: f"results/sbc/{wildcards.fit}",
        replicates=SETTINGS.fit.sbc.replicates,
    threads: JAX_JOB_THREADS
    message:
        "Simulation-based calibration of fit {wildcards.fit} (slow)"
    shell:
        "remodel-fit sbc --config {input.config} --fit {wildcards.fit} {params.tables}"
        " --replicates {params.replicates} --outdir {params.outdir} > {log} 2>&1"
