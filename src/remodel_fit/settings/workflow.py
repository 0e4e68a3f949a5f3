"""The whole workflow config: every section, validated in one pass.

:func:`workflow_settings` is what the CLI verbs and the Snakemake rules call: it returns the
typed settings (defaults filled in from the one place each is defined) or raises one
:class:`~remodel_fit.errors.ConfigError` line naming the key path. :func:`json_schema` exports
the same definition for ``workflow/schemas/config.schema.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, TypeAdapter, model_validator

from ..bone.mbma import RUN_IN_DAYS, TREATMENT_EC50_MG_L
from ..data.arms import ArmsSettings
from ..data.synthetic import SyntheticSettings
from ..errors import ConfigError
from ..inference.gates import GateThresholds
from ..model.base import Model
from ..registry import DEFAULT_MODEL, get_model
from ..solve.options import SolverConfig
from ..solve.scenarios import Scenario
from ..validation import Flag, did_you_mean, validated
from .base import Section
from .fit import MODEL_DESCRIPTION, FitSection, ModelSpec, fit_options, petab_fit_options
from .gsa import GsaSettings

CLINICAL_DIR = "../shared/data/clinical"
GENERATED_TABLES: dict[str, dict[str, str]] = {
    source: {"measurements": f"results/data/{source}/measurements.csv", "conditions": f"results/data/{source}/conditions.csv"}
    for source in ("synthetic", "clinical")
}
"""Where the workflow writes the tables of data.source synthetic (make-synthetic) and clinical (read-clinical)."""
ARM_TABLES: dict[str, str] = {name: f"results/data/inflammation/{name}.csv" for name in ("records", "excluded", "regimens")}
"""Where the workflow writes the arm-level inflammation tables (read-arms)."""


class ScenarioSettings(Section):
    """Mechanistic scenario simulations with the model defaults (remodel-fit simulate)."""

    horizon_days: float = Field(3652.5, gt=0, le=36525, description="end of the simulation (days)")
    n_times: int = Field(241, ge=2, le=100000, description="save times from 0 to the horizon")
    parameters: dict[str, float] = Field(default_factory=dict, description="overrides of model parameter defaults "
                                         "(name -> value)")
    items: dict[str, Scenario] = Field(default_factory=dict, description="scenario name -> {description, levels "
                                       "{input: [[day, value], ...]}, doses {input: {start, every, amount, until} or "
                                       "{times, amounts}}}")


class DataSettings(Section):
    """Which tables the analysis fits."""

    source: Literal["synthetic", "tables", "clinical"] = Field("synthetic", description="synthetic (generate the "
                                                               "bundled cohort), tables (the files below) or clinical")
    measurements: str | None = Field(None, min_length=1, description="measurement table (CSV/TSV) when source is tables")
    conditions: str | None = Field(None, min_length=1, description="conditions/doses table (CSV/TSV) when source is "
                                   "tables; optional")
    clinical_dir: str = Field(CLINICAL_DIR, min_length=1, description="directory of digitised trial arms (never "
                              "copied into the repository)")
    clinical_pattern: str | list[str] = Field("looker1998_and_mcclung2006_*", description="glob of arm files "
                                              "(without .csv) to read from clinical_dir, or a list of globs")
    clinical_drugs: list[str] = Field(["denosumab"], description="drugs whose doses become condition rows (others "
                                      "are dropped); empty = all")
    heldout_pattern: list[str] = Field(default_factory=list, description="globs of arm files in clinical_dir held out "
                                       "for validation (read-clinical -> results/data/heldout/); never fitted: an arm "
                                       "matched by clinical_pattern too is an error")

    @model_validator(mode="after")
    def _tables_named(self) -> DataSettings:
        if self.source == "tables" and self.measurements is None:
            raise ValueError("data.measurements: missing; data.source 'tables' needs a measurement table")
        return self

    @model_validator(mode="after")
    def _heldout_apart(self) -> DataSettings:
        both = [h for h in self.heldout_pattern if h in self.patterns]
        if both:
            raise ValueError(f"data.heldout_pattern: {both[0]!r} is also in data.clinical_pattern; held-out arms are never fitted")
        return self

    @property
    def patterns(self) -> list[str]:
        return [self.clinical_pattern] if isinstance(self.clinical_pattern, str) else list(self.clinical_pattern)


class DiagnoseSettings(GateThresholds):
    """Convergence gates applied to every fit, and the fits scored against known true parameters."""

    fail_on_gate: Flag = Field(False, description="make a failed gate fail the diagnose rule (exit 2, reason in "
                               "logs/diagnose/<fit>.log)")
    truth: dict[str, str] = Field(default_factory=lambda: {"synthetic": "results/data/synthetic/truth.json"},
                                  description="fit name -> JSON of its true parameters (synthetic data); those fits "
                                  "are also scored (recovery.csv, coverage.json)")


class InflammationSettings(ArmsSettings):
    """The arm-level inflammation data (remodel-fit read-arms) and its meta-analysis design (a fit with
    data.source inflammation; docs/data.md)."""

    run_in_days: float = Field(RUN_IN_DAYS, ge=0.0, description="days of untreated disease before an arm's day 0 "
                               "(its baseline is the inflamed state)")
    treatment_ec50: float = Field(TREATMENT_EC50_MG_L, gt=0.0, description="serum biologic concentration (mg/L) of "
                                  "half the full anti-inflammatory treatment effect")


class WorkflowSettings(Section):
    """remodel-fit workflow config."""

    seed: int = Field(description="master seed; every random stage derives its own seed from it by name", ge=0,
                      le=2**31 - 1)
    model: ModelSpec = Field(DEFAULT_MODEL, description=MODEL_DESCRIPTION)
    solver: SolverConfig = Field(default_factory=SolverConfig, description="ODE solver settings shared by every stage")
    scenarios: ScenarioSettings = Field(default_factory=ScenarioSettings, description=ScenarioSettings.__doc__)
    synthetic: SyntheticSettings = Field(default_factory=SyntheticSettings, description=SyntheticSettings.__doc__)
    data: DataSettings = Field(default_factory=DataSettings, description=DataSettings.__doc__)
    inflammation: InflammationSettings = Field(default_factory=InflammationSettings,
                                               description=InflammationSettings.__doc__)
    diagnose: DiagnoseSettings = Field(default_factory=DiagnoseSettings, description=DiagnoseSettings.__doc__)
    gsa: GsaSettings = Field(default_factory=GsaSettings, description=GsaSettings.__doc__)
    fit: FitSection = Field(default_factory=FitSection, description=FitSection.__doc__)

    _raw: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _fits_named_exist(self) -> WorkflowSettings:
        known = list(self.fit.fits)
        named = [(f"fit.compare.fits.{i}", n) for i, n in enumerate(self.fit.compare.fits)]
        named += [(f"diagnose.truth.{n}", n) for n in self.diagnose.truth if n != "synthetic"]
        named += [(f"fit.heldout.fits.{i}", n) for i, n in enumerate(self.fit.heldout.fits)]
        if self.fit.heldout.fits and not self.data.heldout_pattern:
            raise ValueError("fit.heldout.fits: no held-out arms; set data.heldout_pattern")
        for key, name in named:
            if name not in known:
                raise ValueError(f"{key}: no fit {name!r} under fit.fits{did_you_mean(name, known)}; "
                                 f"expected one of {', '.join(known) or 'none'}")
        return self

    @property
    def raw(self) -> dict:
        """The config as written (what provenance hashes)."""
        return self._raw

    def model_value(self) -> Model:
        return get_model(self.model)

    def _fit(self, name: str, *, petab: bool | None = None):
        """The settings of fit ``name``; ConfigError if unknown, or if ``petab`` says which kind it must be."""
        if name not in self.fit.fits:
            raise ConfigError(f"fit.fits has no fit {name!r}{did_you_mean(name, list(self.fit.fits))}; known: "
                              f"{', '.join(self.fit.fits) or 'none'}")
        fit = self.fit.fits[name]
        if petab is False and fit.petab is not None:
            raise ConfigError(f"fit.fits.{name} is a PEtab fit (petab: {fit.petab}): it has no model or tables; "
                              "only remodel-fit fit and diagnose take it")
        if petab is True and fit.petab is None:
            raise ConfigError(f"fit.fits.{name}.petab: missing; fit {name!r} is a model fit, not a PEtab fit")
        return fit

    def is_petab_fit(self, name: str) -> bool:
        return self._fit(name).petab is not None

    def fit_model(self, name: str) -> Model:
        """The model of fit ``name`` (its ``model`` spec loaded)."""
        return get_model(self._fit(name, petab=False).model)

    def fit_options(self, name: str, model: Model | None = None):
        """:class:`~remodel_fit.inference.FitOptions` of fit ``name``."""
        settings = self._fit(name, petab=False)
        model = model or self.fit_model(name)
        return fit_options(name, settings, self._raw_fit(name), model, seed=self.seed,
                           shared_solver=self._raw.get("solver"))

    def petab_options(self, name: str):
        """:class:`~remodel_fit.petab.options.PetabFitOptions` of PEtab fit ``name``."""
        return petab_fit_options(name, self._fit(name, petab=True), self._raw_fit(name), seed=self.seed)

    def petab_problem(self, name: str) -> Path:
        """The problem YAML of PEtab fit ``name``; ConfigError naming the key if it does not exist."""
        path = Path(self._fit(name, petab=True).petab)
        if not path.is_file():
            raise ConfigError(f"fit.fits.{name}.petab: {path} does not exist; expected a PEtab problem file (YAML)")
        return path

    def _raw_fit(self, name: str) -> dict:
        return (self._raw.get("fit") or {}).get("fits", {}).get(name) or {}

    def data_tables(self) -> dict[str, str]:
        """The measurement (and conditions) tables the analysis uses, by ``data.source``."""
        if self.data.source in GENERATED_TABLES:
            return dict(GENERATED_TABLES[self.data.source])
        if self.data.measurements is None:
            raise ConfigError("data.measurements: missing; data.source 'tables' needs a measurement table")
        tables = {"measurements": self.data.measurements}
        if self.data.conditions:
            tables["conditions"] = self.data.conditions
        return tables

    def fit_tables(self, name: str) -> dict[str, str]:
        """The tables of fit ``name``: its data.source's, or its data.measurements/conditions."""
        if self.is_petab_fit(name):
            return {}
        data = self.fit.fits[name].data
        if data.source == "inflammation":
            return {"arms": self.inflammation.arms}
        if data.source is not None:
            return dict(GENERATED_TABLES[data.source])
        if data.measurements is None:
            raise ConfigError(f"fit.fits.{name}.data: set source (synthetic, clinical) or measurements")
        return {k: v for k, v in (("measurements", data.measurements), ("conditions", data.conditions)) if v}

    def input_paths(self) -> list[tuple[str, str]]:
        """(key, path) of every file or directory the analysis reads that the workflow does not make."""
        paths = []
        if self.data.source == "tables":
            paths += [(f"data.{k}", v) for k, v in (("measurements", self.data.measurements),
                                                    ("conditions", self.data.conditions)) if v]
        clinical = self.data.source == "clinical" or any(f.data.source == "clinical" for f in self.fit.fits.values())
        if clinical:
            paths.append(("data.clinical_dir", self.data.clinical_dir))
        if any(f.data.source == "inflammation" for f in self.fit.fits.values()):
            paths.append(("inflammation.arms", self.inflammation.arms))
        for name, fit in self.fit.fits.items():
            paths += [(f"fit.fits.{name}.data.{k}", v) for k, v in (("measurements", fit.data.measurements),
                                                                    ("conditions", fit.data.conditions)) if v]
            paths += self.petab_inputs(name) if fit.petab is not None else []
        paths += [(f"diagnose.truth.{name}", path) for name, path in self.diagnose.truth.items()
                  if name in self.fit.fits and not path.startswith("results/")]
        return paths

    def petab_inputs(self, name: str, root: str | Path = ".") -> list[tuple[str, str]]:
        """(key, path) of the problem YAML of PEtab fit ``name`` and, when it exists, of each file it names."""
        from ..errors import PetabError
        from ..petab.files import listed_files

        key, yaml = f"fit.fits.{name}.petab", Path(self.fit.fits[name].petab)
        out = [(key, str(yaml))]
        if (Path(root) / yaml).is_file():
            try:
                files = listed_files(Path(root) / yaml)
            except PetabError as err:
                raise ConfigError(f"{key}: {err}") from None
            base = Path(root) / yaml.parent
            out += [(f"{key} ({kind}_files of {yaml.name})", str(yaml.parent / p.relative_to(base)))
                    for kind, paths in files.items() for p in paths]
        return out

    def check_inputs(self, root: str | Path = ".") -> None:
        """ConfigError naming the first configured input that does not exist (relative to ``root``)."""
        for key, path in self.input_paths():
            if not (Path(root) / path).exists():
                raise ConfigError(f"{key}: {path} does not exist; expected an existing "
                                  f"{'directory' if key.endswith('_dir') else 'file'}")

    def gsa_solver(self) -> SolverConfig:
        return self.gsa.solver_config(self._raw.get("solver"))


def workflow_settings(config: Mapping[str, Any], file: str | None = None, *, inputs: bool = False) -> WorkflowSettings:
    """The validated settings of a config mapping (and, with ``inputs``, the existence of every input
    path it names); ConfigError (one line, prefixed by ``file``) otherwise."""
    try:
        settings = validated(WorkflowSettings, dict(config), "")
        settings._raw = dict(config)
        for name, fit in settings.fit.fits.items():
            if fit.petab is not None:
                settings.petab_options(name)
            else:
                settings.fit_options(name)
        settings.gsa_solver()
        if inputs:
            settings.check_inputs()
    except ConfigError as err:
        raise ConfigError(f"{file}: {err}" if file else str(err)) from None
    return settings


def json_schema() -> dict:
    """JSON schema of the workflow config (what ``workflow/schemas/config.schema.json`` holds)."""
    return TypeAdapter(WorkflowSettings).json_schema()
