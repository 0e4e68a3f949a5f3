# Helpers shared by the rule files.
#
# Config slices: each stage depends on a small YAML holding only the config sections it
# reads (plus seed, model, solver). A slice file is rewritten only when its content changes,
# so editing one section of config/config.yaml reruns only the rules that read it.
import json

import yaml

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
