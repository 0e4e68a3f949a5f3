# Helpers shared by the rule files (the validated settings, config slices and path helpers).
#
# SETTINGS is the package's one reading of the config (remodel_fit.settings): defaults, bounds
# and key-path errors come from there, never from `config.get(key, default)` here.
#
# Config slices: each stage depends on a small YAML holding only the config sections it
# reads (plus seed, model, solver). A slice file is rewritten only when its content changes,
# so editing one section of config/config.yaml reruns only the rules that read it.
import json
import re

import yaml

from remodel_fit.errors import ConfigError
from remodel_fit.plots.fit import FIGURES
from remodel_fit.registry import model_file
from remodel_fit.settings import workflow_settings
from remodel_fit.settings.workflow import ARM_TABLES, GENERATED_TABLES

CONFIG_FILES = ", ".join(str(p) for p in workflow.overwrite_configfiles or []) or "config/config.yaml"

try:
    SETTINGS = workflow_settings(config, CONFIG_FILES, inputs=True)
except ConfigError as err:
    sys.exit(f"remodel-fit workflow: error: {err}")

SHARED_SECTIONS = ("seed", "model", "solver", "inflammation")

# Threads Snakemake reserves for a JAX job (fit, sbc, gsa). Such a job uses two host devices
# only while it samples or evaluates; its XLA compiles (most of a cold run) are single-threaded,
# so reserving one core lets Snakemake run a second job beside it on a 2-core machine
# (benchmarks/RESULTS.md, "make run").
JAX_JOB_THREADS = 1
# Priority of the jobs on the critical path (the data a fit reads, then the fit): Snakemake starts
# them first, and the other jobs (scenarios, prior GSA, figures) fill the second core.
CRITICAL_PATH_PRIORITY = 10


SLICE_COMPANIONS = {"fit": ["data.heldout_pattern"], "fit.heldout": ["data.heldout_pattern"]}
"""Keys a slice needs with a section: ``fit.heldout`` (alone or inside ``fit``) is validated against
``data.heldout_pattern``."""


def config_slice(name, sections):
    """Path of results/config/<name>.yaml holding the shared keys and ``sections`` (dotted paths,
    e.g. ``fit.fits.synthetic``, keep one entry of a nested section)."""
    payload = {k: config[k] for k in SHARED_SECTIONS if k in config}
    sections = list(sections) + [c for s in sections for c in SLICE_COMPANIONS.get(s, ())]
    for section in sections:
        source, target, parts = config, payload, section.split(".")
        for i, part in enumerate(parts):
            if not isinstance(source, dict) or part not in source:
                break
            source = source[part]
            if i == len(parts) - 1:
                target[part] = source
            else:
                target = target.setdefault(part, {})
    path = Path("results/config") / f"{name}.yaml"
    text = yaml.safe_dump(json.loads(json.dumps(payload, default=str)), sort_keys=True)
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(path)


# ---- data (data.smk)


def data_tables(wildcards=None):
    """The measurement and conditions tables the analysis uses, by data.source."""
    return SETTINGS.data_tables()


def arm_table(wildcards=None):
    """The configured arm-level inflammation table; a one-line error naming the key when it is absent."""
    path = SETTINGS.inflammation.arms
    if not Path(path).is_file():
        sys.exit(f"remodel-fit workflow: error: inflammation.arms: {path} does not exist; expected the arm-level "
                 "summary table (CSV, see docs/data.md)")
    return path


# ---- fits (fit.smk)
FITS = SETTINGS.fit.fits


def fit_tables(wildcards):
    """The tables of fit {fit}: data.source synthetic|clinical, or data.measurements/conditions."""
    return SETTINGS.fit_tables(wildcards.fit)


def fit_model_file(wildcards):
    """The user model file of fit {fit} (model: path/to/file.py:NAME): an input, so editing it reruns the fit."""
    path = model_file(FITS[wildcards.fit].model)
    return {"model_file": path} if path else {}


def fit_petab_files(wildcards):
    """A PEtab fit's problem YAML and every file it names (inputs: a missing one was already reported
    naming the key when SETTINGS was read; editing one reruns the fit); nothing for a model fit."""
    fit = FITS[wildcards.fit]
    if fit.petab is None:
        return {}
    from remodel_fit.petab.files import listed_files

    files = listed_files(fit.petab)
    return {"petab": fit.petab, **{f"petab_{kind}": [str(p) for p in paths] for kind, paths in files.items()}}


MODEL_FITS = [name for name, fit in FITS.items() if fit.petab is None]
PETAB_FITS = [name for name, fit in FITS.items() if fit.petab is not None]


def fit_table_args(wildcards, input):
    return " ".join(f"--{k} {input[k]}" for k in ("measurements", "conditions") if k in input.keys())


# ---- diagnostics (diagnose.smk)
DIAGNOSE = SETTINGS.diagnose
DIAGNOSE_TRUTH = DIAGNOSE.truth
DIAGNOSE_FIGURES = list(FIGURES)
_SCORED_FITS = "|".join(re.escape(str(f)) for f in DIAGNOSE_TRUTH) or "(?!)"


def diagnose_outputs(scored=False):
    """Output files of one fit's diagnosis (the report entries carry a caption each)."""
    def entry(name, ext):
        return report(
            f"results/diagnose/{{fit}}/{name}.{ext}",
            caption=f"../report/diagnose_{name}.rst",
            category="Diagnostics",
            subcategory="{fit}",
        )

    out = {name: entry(name, "png") for name in DIAGNOSE_FIGURES}
    out["summary"] = entry("summary", "csv")
    out["gates"] = entry("gates", "html")
    out["gates_json"] = "results/diagnose/{fit}/gates.json"
    out["bands"] = "results/diagnose/{fit}/ppc_bands.csv"
    out["points"] = "results/diagnose/{fit}/ppc_points.csv"
    if scored:
        out["recovery"] = entry("recovery", "csv")
        out["coverage"] = "results/diagnose/{fit}/coverage.json"
    return out


DIAGNOSE_PARAMS = dict(
    outdir=lambda wildcards: f"results/diagnose/{wildcards.fit}",
    rhat_max=DIAGNOSE.rhat_max,
    ess_min=DIAGNOSE.ess_min,
    max_divergences=DIAGNOSE.max_divergences,
    max_failed_solves=DIAGNOSE.max_failed_solves,
    fail_on_gate="--fail-on-gate" if DIAGNOSE.fail_on_gate else "",
)

DIAGNOSE_SHELL = (
    "remodel-fit diagnose --idata {input.idata} --outdir {params.outdir} {params.truth}"
    " --rhat-max {params.rhat_max} --ess-min {params.ess_min}"
    " --max-divergences {params.max_divergences} --max-failed-solves {params.max_failed_solves}"
    " {params.fail_on_gate} > {log} 2>&1"
)


# ---- report (report.smk)


def report_inputs(wildcards):
    """The landing page's inputs: every fit's gates and PPC, the first fit's predictions and Sobol' table, LOO."""
    fits = list(SETTINGS.fit.fits)
    out = {
        "config": config_slice("report", ["fit"]),
        "gates": expand("results/diagnose/{fit}/gates.json", fit=fits),
        "ppc": expand("results/diagnose/{fit}/ppc.png", fit=fits),
        "predictions": expand("results/predict/{fit}/scenarios.png", fit=MODEL_FITS[:1]),
        "measurements": expand("results/diagnose/{fit}/measurements.png", fit=fits),
        "pathways": expand("results/pathways/{fit}/pathways.md", fit=SETTINGS.fit.pathways.fits),
    }
    if MODEL_FITS or not PETAB_FITS:  # a config of PEtab fits alone has no model to rank
        out["sobol"] = (expand("results/gsa/posterior_{fit}/sobol.csv", fit=MODEL_FITS[:1]) if MODEL_FITS
                        else "results/gsa/prior/sobol.csv")
    if len(SETTINGS.fit.compare.fits) > 1:
        out["loo"] = "results/compare/loo_compare.csv"
    return out
