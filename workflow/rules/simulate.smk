rule simulate_scenarios:
    """Simulate the configured scenarios from the computed steady state."""
    input:
        config=lambda wildcards: config_slice("simulate", ["scenarios"]),
    output:
        table="results/simulate/scenarios.csv",
        figure=report(
            "results/simulate/scenarios.png",
            caption="../report/scenarios.rst",
            category="Scenarios",
        ),
    params:
        outdir=lambda wildcards, output: str(Path(output.table).parent),
        names=", ".join(SETTINGS.scenarios.items),
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/simulate/scenarios.log",
    message:
        "Simulating scenarios {params.names}"
    shell:
        "remodel-fit simulate --config {input.config} --outdir {params.outdir} > {log} 2>&1"
