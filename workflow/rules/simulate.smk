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
        outdir="results/simulate",
        names=", ".join(config["scenarios"]["items"]),
    log:
        "logs/simulate/scenarios.log",
    message:
        "Simulating scenarios {params.names}"
    shell:
        "remodel-fit simulate --config {input.config} --outdir {params.outdir} > {log} 2>&1"
