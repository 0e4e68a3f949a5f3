"""The config reference (config/README.md) and the JSON schema (workflow/schemas/) are what the
settings say, and every key of the shipped configs is a key of the settings."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import REPO
from remodel_fit.settings import load_settings
from remodel_fit.settings.reference import reference_rows, with_reference
from remodel_fit.settings.workflow import json_schema


def test_readme_reference_is_generated_from_the_settings():
    readme = (REPO / "config/README.md").read_text()
    assert readme == with_reference(readme), "stale: run remodel-fit config-schema --markdown config/README.md"


def test_json_schema_file_is_generated_from_the_settings():
    written = json.loads((REPO / "workflow/schemas/config.schema.json").read_text())
    assert written == json_schema(), "stale: run remodel-fit config-schema --json workflow/schemas/config.schema.json"


def _keys(node, prefix=""):
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        yield path
        if isinstance(value, dict):
            yield from _keys(value, path)


@pytest.mark.parametrize("name", sorted(path.name for path in (REPO / "config").glob("*.yaml")))
def test_every_key_of_the_shipped_configs_is_documented(name):
    config = yaml.safe_load((REPO / "config" / name).read_text())
    documented = {key for key, _, _ in reference_rows()}
    free_form = ("scenarios.items.", "fit.fits.", "fit.predict.scenarios.", "gsa.parameters.", "diagnose.truth.",
                 "synthetic.parameters.", "synthetic.visits.", "synthetic.noise_cv.", "scenarios.parameters.",
                 "gsa.solver.")
    for key in _keys(config):
        generic = key
        if key.startswith("fit.fits."):
            parts = key.split(".")
            generic = ".".join(["fit", "fits", "<name>", *parts[3:]])
            for section, placeholder in (("free", "<param>"), ("random_effects", "<param>"), ("noise", "<observable>")):
                if len(parts) > 5 and parts[3] == section:
                    generic = ".".join(["fit", "fits", "<name>", section, placeholder, *parts[5:]])
            if len(parts) > 4 and parts[3] in ("nuts", "solver", "data", "fixed"):
                generic = ".".join(["fit", "fits", "<name>", parts[3]])
        if generic in documented:
            continue
        assert any(key.startswith(p) for p in free_form) or generic.rsplit(".", 1)[0] in documented, key
    load_settings(REPO / "config" / name)  # and the file validates


def test_model_parameter_tables_are_generated_from_the_models():
    from remodel_fit.registry import MODELS
    from remodel_fit.report.tables import PARAMETER_BLOCK, with_parameter_tables

    text = (REPO / "docs/model.md").read_text()
    for model in MODELS.values():
        assert PARAMETER_BLOCK.format(name=model.name) in text, f"docs/model.md has no parameter table of {model.name}"
    assert text == with_parameter_tables(text, MODELS.values()), "stale: run remodel-fit models --markdown docs/model.md"
