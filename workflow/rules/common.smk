# Helpers shared by the rule files.
#
# Config slices: each stage depends on a small YAML holding only the config sections it
# reads (plus seed, model, solver). A slice file is rewritten only when its content changes,
# so editing one section of config/config.yaml reruns only the rules that read it.
import json
import re

import yaml
from snakemake.utils import validate

SHARED_SECTIONS = ("seed", "model", "solver", "clinical_dir")


def config_slice(name, sections):
    """Path of results/config/<name>.yaml holding the shared keys and ``sections``."""
    payload = {k: config[k] for k in (*SHARED_SECTIONS, *sections) if k in config}
    path = Path("results/config") / f"{name}.yaml"
    text = yaml.safe_dump(json.loads(json.dumps(payload, default=str)), sort_keys=True)
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(path)


# ---- data (data.smk)

validate(config.setdefault("synthetic", {}), "../schemas/config.synthetic.schema.yaml", set_default=True)
validate(config.setdefault("data", {}), "../schemas/config.data.schema.yaml", set_default=True)


def data_tables(wildcards=None):
    """The measurement and conditions tables the analysis uses, by data.source."""
    source = config["data"]["source"]
    if source == "synthetic":
        return {"measurements": "results/data/synthetic/measurements.csv",
                "conditions": "results/data/synthetic/conditions.csv"}
    if source == "clinical":
        return {"measurements": "results/data/clinical/measurements.csv",
                "conditions": "results/data/clinical/conditions.csv"}
    tables = {"measurements": config["data"]["measurements"]}
    if config["data"].get("conditions"):
        tables["conditions"] = config["data"]["conditions"]
    return tables


# ---- fits (fit.smk)

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


# ---- diagnostics (diagnose.smk)
DIAGNOSE = config.get("diagnose", {})
DIAGNOSE_TRUTH = DIAGNOSE.get("truth", {})
DIAGNOSE_FIGURES = ["trace", "rank", "pair", "forest", "energy", "prior_posterior", "ppc"]
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
    if scored:
        out["recovery"] = entry("recovery", "csv")
        out["coverage"] = "results/diagnose/{fit}/coverage.json"
    return out


DIAGNOSE_PARAMS = dict(
    outdir=lambda wildcards: f"results/diagnose/{wildcards.fit}",
    rhat_max=DIAGNOSE.get("rhat_max", 1.01),
    ess_min=DIAGNOSE.get("ess_min", 400),
    max_divergences=DIAGNOSE.get("max_divergences", 0),
    max_failed_solves=DIAGNOSE.get("max_failed_solves", 0),
    fail_on_gate="--fail-on-gate" if DIAGNOSE.get("fail_on_gate", False) else "",
)

DIAGNOSE_SHELL = (
    "remodel-fit diagnose --idata {input.idata} --outdir {params.outdir} {params.truth}"
    " --rhat-max {params.rhat_max} --ess-min {params.ess_min}"
    " --max-divergences {params.max_divergences} --max-failed-solves {params.max_failed_solves}"
    " {params.fail_on_gate} > {log} 2>&1"
)
