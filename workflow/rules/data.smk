# Data: the synthetic cohort, table validation, the overview figure, the clinical arms and the
# arm-level inflammation summaries. Config sections: seed, model, synthetic, data and
# inflammation (remodel_fit.settings). Logic lives in the
# package (`remodel-fit <verb>`).


rule make_synthetic:
    priority: CRITICAL_PATH_PRIORITY
    input:
        config=lambda wildcards: config_slice("synthetic", ["synthetic"]),
    output:
        measurements="results/data/synthetic/measurements.csv",
        conditions="results/data/synthetic/conditions.csv",
        truth="results/data/synthetic/truth.json",
    params:
        seed=SETTINGS.seed,
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/data/make_synthetic.log",
    message:
        "Generating the synthetic inflammation cohort (seed {params.seed})"
    shell:
        "remodel-fit make-synthetic --config {input.config} --outdir results/data/synthetic > {log} 2>&1"


rule read_clinical:
    priority: CRITICAL_PATH_PRIORITY
    output:
        measurements="results/data/clinical/measurements.csv",
        conditions="results/data/clinical/conditions.csv",
    params:
        clinical_dir=SETTINGS.data.clinical_dir,
        pattern=" ".join(f"'{p}'" for p in SETTINGS.data.patterns),
        drugs=" ".join(SETTINGS.data.clinical_drugs),
        model=SETTINGS.model,
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/data/read_clinical.log",
    message:
        "Reading clinical arms {params.pattern} from {params.clinical_dir}"
    shell:
        "remodel-fit read-clinical --clinical-dir {params.clinical_dir:q} --pattern {params.pattern} "
        "--drugs {params.drugs} --model {params.model} --outdir results/data/clinical > {log} 2>&1"


rule read_heldout:
    output:
        measurements="results/data/heldout/measurements.csv",
        conditions="results/data/heldout/conditions.csv",
    params:
        clinical_dir=SETTINGS.data.clinical_dir,
        pattern=" ".join(f"'{p}'" for p in SETTINGS.data.heldout_pattern),
        drugs=" ".join(SETTINGS.data.clinical_drugs),
        model=SETTINGS.model,
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/data/read_heldout.log",
    message:
        "Reading held-out clinical arms {params.pattern} from {params.clinical_dir} (validation only)"
    shell:
        "remodel-fit read-clinical --clinical-dir {params.clinical_dir:q} --pattern {params.pattern} "
        "--drugs {params.drugs} --model {params.model} --outdir results/data/heldout > {log} 2>&1"


rule read_arms:
    input:
        arms=arm_table,
    output:
        records=ARM_TABLES["records"],
        excluded=ARM_TABLES["excluded"],
        regimens=ARM_TABLES["regimens"],
    params:
        median_se_factor=SETTINGS.inflammation.median_se_factor,
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/data/read_arms.log",
    message:
        "Reading the arm-level inflammation summaries {input.arms}"
    shell:
        "remodel-fit read-arms --arms {input.arms:q} --median-se-factor {params.median_se_factor} "
        "--outdir results/data/inflammation > {log} 2>&1"


rule validate_data:
    input:
        unpack(data_tables),
    output:
        "results/data/validated.json",
    params:
        model=SETTINGS.model,
        conditions=lambda wildcards, input: f"--conditions {input.conditions}" if "conditions" in input.keys() else "",
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/data/validate_data.log",
    message:
        "Validating {input.measurements} against model {params.model}"
    shell:
        "remodel-fit validate --measurements {input.measurements} {params.conditions} "
        "--model {params.model} --out {output} > {log} 2>&1"


rule plot_data:
    input:
        measurements=lambda wildcards: data_tables()["measurements"],
        validated="results/data/validated.json",
    output:
        report("results/data/overview.png", caption="../report/data_overview.rst", category="Data"),
    params:
        model=SETTINGS.model,
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/data/plot_data.log",
    message:
        "Plotting every subject's trajectories by group"
    shell:
        "remodel-fit plot-data --measurements {input.measurements} --model {params.model} --out {output} > {log} 2>&1"


rule mbma_design:
    input:
        arms=arm_table,
        config=lambda wildcards: config_slice("mbma_design", ["inflammation"]),
    output:
        arms="results/data/inflammation/design/arms.csv",
        used="results/data/inflammation/design/used.csv",
        unused="results/data/inflammation/design/unused.csv",
    conda:
        "../envs/remodel-fit.yaml"
    log:
        "logs/data/mbma_design.log",
    message:
        "The meta-analysis design of {input.arms}"
    shell:
        "remodel-fit mbma-design --config {input.config} --outdir results/data/inflammation/design > {log} 2>&1"
