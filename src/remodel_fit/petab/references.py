"""Reference log-likelihoods at the nominal parameters of PEtab benchmark problems.

Source: AMICI-dev/AMICI@3aebbe8, ``tests/benchmark_models/benchmark_models.yaml`` (key ``llh``):
values of the Benchmark-Models-PEtab collection (Hass et al. 2019) with the corrections AMICI
documents there (the collection ignores a factor 1/2 for Boehm, Weber and Zheng and the
log10 Jacobian for Borghans and Elowitz). Perelson_Science1996 has no reference there.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import PetabError

AMICI_REFERENCE_LLH: dict[str, float] = {
    "Boehm_JProteomeRes2014": -138.22199693517703,
    "Borghans_BiophysChem1997": 83.3237191357272,
    "Brannmark_JBC2010": -141.889113770537,
    "Crauste_CellSystems2017": -190.96521897435176,
    "Elowitz_Nature2000": 63.20279991419332,
    "Fujita_SciSignal2010": 53.08377736998929,
    "Schwen_PONE2014": -943.9992988598723,
    "Weber_BMC2015": -296.2017922646865,
    "Zheng_PNAS2012": 278.33353271001477,
}
REFERENCE_FILE = "benchmark_models.yaml"
"""A file of this name (AMICI's format: ``problem: {llh: value}``) beside or above the problem folder wins."""


def _from_file(path: Path, name: str) -> float | None:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise PetabError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
    entry = data.get(name) if isinstance(data, dict) else None
    if isinstance(entry, dict) and "llh" in entry:
        try:
            return float(entry["llh"])
        except (TypeError, ValueError):
            raise PetabError(f"{path}: {name}.llh {entry['llh']!r} is not a number") from None
    return None


def reference_llh(yaml_path: Path, name: str, file: Path | None = None) -> tuple[float | None, str]:
    """(reference log-likelihood or None, where it came from) for problem ``name``."""
    candidates = [file] if file is not None else [yaml_path.parent / REFERENCE_FILE, yaml_path.parent.parent / REFERENCE_FILE]
    for path in candidates:
        if path is not None and path.is_file():
            value = _from_file(path, name)
            if value is not None:
                return value, str(path)
        elif file is not None:
            raise FileNotFoundError(2, "no such file", str(file))
    if name in AMICI_REFERENCE_LLH:
        return AMICI_REFERENCE_LLH[name], "AMICI-dev/AMICI@3aebbe8 tests/benchmark_models/benchmark_models.yaml"
    return None, ""
