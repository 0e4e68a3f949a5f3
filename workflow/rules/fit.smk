# Fits: one NUTS fit per entry of config["fit"]["fits"] -> results/fit/{fit}/idata.nc, and the
# simulation-based calibration of a fit (slow; not in rule all unless asked for).
# Config section: fit (workflow/schemas/config.fit.schema.yaml). Logic: `remodel-fit fit|sbc`.

from snakemake.utils import validate

validate(config.setdefault("fit", {}), "../schemas/config.fit.schema.yaml", set_default=True)
FITS = config["fit"].get("fits", {})
FIT_SOURCES = {
    "synthetic": {"measurements": "results/data/synthetic/measurements.csv",
                  "conditions": "results/data/synthetic/conditions.csv"},
    "clinical": {"measurements": "results/data/clinical/measurements.csv",
                 "conditions": "results/data/clinical/conditions.csv"},
}


def fit_tables(wildcards):
    """The tables of fit {fit}: data.source synthetic|clinical, or data.measurements/conditions."""
    data = FITS[wildcards.fit].get("data", {"source": "synthetic"})
    if "source" in data:
        return FIT_SOURCES[data["source"]]
    return {k: data[k] for k in ("measurements", "conditions") if data.get(k)}


def fit_table_args(wildcards, input):
    return " ".join(f"--{k} {input[k]}" for k in ("measurements", "conditions") if k in input.keys())


rule fit:
    input:
        unpack(fit_tables),
        config=lambda wildcards: config_slice("fit", ["fit"]),
    output:
        idata="results/fit/{fit}/idata.nc",
    log:
        "logs/fit/{fit}.log",
    params:
        tables=fit_table_args,
    threads: 2
    message:
        "NUTS fit {wildcards.fit}"
    shell:
        "remodel-fit fit --config {input.config} --fit {wildcards.fit} {params.tables} --out {output.idata} > {log} 2>&1"


rule sbc:
    input:
        unpack(fit_tables),
        config=lambda wildcards: config_slice("fit", ["fit"]),
    output:
        ranks="results/sbc/{fit}/ranks.csv",
        figure=report("results/sbc/{fit}/ranks.png", caption="../report/sbc.rst", category="Validation"),
    log:
        "logs/sbc/{fit}.log",
    params:
        tables=fit_table_args,
        outdir=lambda wildcards: f"results/sbc/{wildcards.fit}",
        replicates=config["fit"].get("sbc", {}).get("replicates", 20),
    threads: 2
    message:
        "Simulation-based calibration of fit {wildcards.fit} (slow)"
    shell:
        "remodel-fit sbc --config {input.config} --fit {wildcards.fit} {params.tables}"
        " --replicates {params.replicates} --outdir {params.outdir} > {log} 2>&1"
