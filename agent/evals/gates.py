"""The thresholds an eval run must meet, read from ``gates.yaml``, and the check against them."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import CaseFileError
from agent.evals.results import GateCheck, Metrics
from agent.models import first_error
from agent.yamlfile import read_yaml


class SuiteGates(BaseModel):
    """Agreement thresholds for one suite of the run (e.g. the held-out test writers)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    min_exact: float = Field(0.0, ge=0, le=1)
    min_within_one: float = Field(0.0, ge=0, le=1)
    min_qwk: float = Field(-1.0, ge=-1, le=1)
    min_probe_accuracy: float = Field(0.0, ge=0, le=1)


class Gates(BaseModel):
    """The thresholds a run must meet. Defaults live in ``evals/gates.yaml``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    min_exact: float = Field(0.0, ge=0, le=1)
    min_within_one: float = Field(0.85, ge=0, le=1)
    min_qwk: float = Field(0.0, ge=-1, le=1)
    min_probe_accuracy: float = Field(0.5, ge=0, le=1)
    max_unscored: int = Field(0, ge=0)
    suites: dict[str, SuiteGates] = Field(default_factory=dict)
    """Gates of named suites, checked on that suite's own metrics as well."""


def load_gates(path: Path, overrides: dict[str, float | int] | None = None) -> Gates:
    """The gates in a YAML file, with command-line overrides applied and validated.

    Raises:
        CaseFileError: unreadable or malformed file, or an out-of-range value (named).
    """
    raw = read_yaml(path, CaseFileError) or {}
    if not isinstance(raw, dict):
        raise CaseFileError(f"{path}: expected a mapping of gate names to thresholds")
    where = f"{path} (with the command-line gates)" if overrides else str(path)
    return validate_gates({**raw, **(overrides or {})}, where)


def validate_gates(values: dict[str, object], where: str) -> Gates:
    try:
        return Gates.model_validate(values)
    except ValidationError as exc:
        raise CaseFileError(f"{where}: {first_error(exc)}") from exc


def _agreement_checks(metrics: Metrics, gates: Gates | SuiteGates, prefix: str) -> list[GateCheck]:
    if metrics.answers <= metrics.unscored_answers:
        return []  # a suite of dialogues only: agreement on answers does not apply
    checks = [
        ("exact", metrics.exact, gates.min_exact),
        ("within_one", metrics.within_one, gates.min_within_one),
        ("qwk", metrics.qwk, gates.min_qwk),
        ("probe_accuracy", metrics.probe_accuracy, gates.min_probe_accuracy),
    ]
    return [
        GateCheck(name=f"{prefix}{n}", value=v, threshold=t, passed=v >= t) for n, v, t in checks
    ]


def check_gates(
    metrics: Metrics, gates: Gates, per_suite: dict[str, Metrics] | None = None
) -> list[GateCheck]:
    """Every gate against the run's metrics, and each named suite's gates against its own.

    Raises:
        CaseFileError: a suite named in the gates is not in the run.
    """
    out = _agreement_checks(metrics, gates, "")
    for name, suite_gates in gates.suites.items():
        if per_suite is None or name not in per_suite:
            raise CaseFileError(f"gates name suite {name!r}, which is not in this run")
        out += _agreement_checks(per_suite[name], suite_gates, f"{name}: ")
    if metrics.dialogues:
        # Every dialogue passes, except those marked known_failure, which must still fail.
        held = (
            metrics.dialogues_passed
            - metrics.dialogues_unexpectedly_passed
            + metrics.dialogues_known_failures
        )
        out.append(
            GateCheck(
                name="dialogues_as_expected",
                value=held,
                threshold=metrics.dialogues,
                passed=held == metrics.dialogues,
            )
        )
    return out
