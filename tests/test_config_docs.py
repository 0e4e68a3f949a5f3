"""Every key of the default config is documented in config/README.md."""

from __future__ import annotations

import re

import yaml

from conftest import REPO

# Sections whose keys are the user's own names (parameters, scenarios, fits, observables).
FREE_FORM = {
    "scenarios.items", "scenarios.parameters", "gsa.parameters", "diagnose.truth", "synthetic.parameters",
    "synthetic.random_effects_sd", "synthetic.noise_cv", "synthetic.inflamed_levels", "synthetic.anti_tnf",
    "fit.fits.<name>.free", "fit.fits.<name>.random_effects", "fit.fits.<name>.noise", "fit.fits.<name>.fixed",
    "fit.fits.<name>.data", "fit.fits.<name>.nuts", "fit.predict", "fit.compare", "fit.sbc", "gsa.morris",
}


def _keys(node, prefix=""):
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        yield path
        if path == "fit.fits":
            for spec in value.values():
                yield from _keys(spec, "fit.fits.<name>")
        elif isinstance(value, dict) and path not in FREE_FORM:
            yield from _keys(value, path)


def test_every_config_key_is_documented():
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    documented = set(re.findall(r"\| \*{0,2}`([^`]+)`\*{0,2} \|", (REPO / "config/README.md").read_text()))
    missing = [k for k in _keys(config) if k not in documented]
    assert not missing, f"undocumented config keys: {missing}"
