# remodel-fit: the whole analysis. See README.md; the workflow lives in workflow/.
include: "workflow/Snakefile"


# Snakemake does not take the default target from an included file: name it here.
rule default:
    default_target: True
    input:
        rules.all.input,
