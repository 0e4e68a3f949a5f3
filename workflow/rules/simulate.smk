rule simulate_scenarios:
    """Simulate the configured scenarios from the computed steady state."""
    input:
        config=ancient(CONFIG_FILE),
    output:
        table="results/simulate/scenarios.csv",
        figure=report(
            "results/simulate/scenarios.png",
            caption="../report/scenarios.rst",
            category="Scenarios",
        ),
    params:
        outdir="results/simulate",
    log:
        "logs/simulate/scenarios.log",
    message:
        "Simulating scenarios {config[scenarios][items]}"
    shell:
        "remodel-fit simulate --config {input.config} --outdir {params.outdir} > {log} 2>&1"
