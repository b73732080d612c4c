"""Eval case files: canned answers and canned candidates labelled by a human.

The YAML format is a contract (other suites are written in it):

* an **answer case** (``answer:``) is graded once; ``expect.scores`` holds the human labels and
  ``expect.probe`` the dimension the next probe must target (default: derived from the labels by
  the policy's tie order, ``none`` when all four are 3);
* a **dialogue case** (``candidate:``) runs through the whole loop; ``replies`` gives what the
  candidate says when a dimension is probed (a list is used in order, its last item repeats; a
  dimension with no reply gets "I don't know."). An optional ``known_failure: <reason>``
  records a disagreement the grader is known to have with the labels (see ``DialogueCase``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from agent.bank.rubric import DIMENSIONS, Bank, Dimension
from agent.errors import CaseFileError
from agent.models import Frozen, first_error
from agent.session.policy import DEFAULT_MAX_TURNS, PolicyState, candidates
from agent.yamlfile import read_yaml

Label = Annotated[int, Field(ge=0, le=3)]
CaseId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
NO_PROBE = "none"
DONT_KNOW = "I don't know."


class AnswerExpect(Frozen):
    scores: dict[Dimension, Label]
    probe: Dimension | Literal["none"] | None = None
    labels: dict[str, dict[Dimension, Label]] = Field(default_factory=dict)
    """Every raw label behind ``scores``, by labeller (optional): eval then also reports the
    grader against each labeller and the labellers against each other (the ceiling)."""

    @model_validator(mode="after")
    def _all_four(self) -> AnswerExpect:
        for name, given in [("scores", self.scores), *self.labels.items()]:
            missing = [d.value for d in DIMENSIONS if d not in given]
            if missing:
                raise ValueError(f"{name} needs all four dimensions; missing {missing}")
        return self

    def expected_probe(self) -> str:
        """The labelled probe target, or the one the policy derives from the labels."""
        if self.probe is not None:
            return self.probe.value if isinstance(self.probe, Dimension) else self.probe
        return derived_probe(self.scores)


def derived_probe(scores: dict[Dimension, int]) -> str:
    """The dimension the policy would probe after one answer with these scores."""
    first = candidates(PolicyState(best=dict(scores)))
    return first[0].value if first else NO_PROBE


class AnswerCase(Frozen):
    id: CaseId
    question: str
    answer: str
    expect: AnswerExpect
    note: str | None = None


class Candidate(Frozen):
    opening: str
    replies: dict[Dimension, str | Annotated[list[str], Field(min_length=1)]] = Field(
        default_factory=dict
    )

    def reply(self, dim: Dimension, nth: int) -> str:
        """What the candidate says the ``nth`` time (0-based) ``dim`` is probed."""
        given = self.replies.get(dim)
        if given is None:
            return DONT_KNOW
        if isinstance(given, str):
            return given
        return given[min(nth, len(given) - 1)]


class DialogueExpect(Frozen):
    probes: list[Dimension]
    outcome: Literal["senior", "out-of-turns", "stalled"]
    max_turns: Annotated[int, Field(ge=1, le=50)] = DEFAULT_MAX_TURNS


class DialogueCase(Frozen):
    id: CaseId
    question: str
    candidate: Candidate
    expect: DialogueExpect
    note: str | None = None
    known_failure: Annotated[str, Field(min_length=10)] | None = None
    """Why the grader is known to disagree with this dialogue's labels (like a strict xfail).
    The case still runs and is reported; it holds the gate only while it fails, so a fix
    that makes it pass is reported until the marker is removed."""


Case = AnswerCase | DialogueCase


class Suite(Frozen):
    suite: str
    path: Path
    cases: list[Case]


def load_suite(path: Path, bank: Bank) -> Suite:
    """Load one case file, checking question ids against the bank.

    Raises:
        CaseFileError: unreadable, not YAML, wrong shape, unknown question, bad labels.
    """
    raw = read_yaml(path, CaseFileError)
    if not isinstance(raw, dict):
        raise CaseFileError(f"{path}: expected a mapping with 'suite' and 'cases'")
    unknown = sorted(set(raw) - {"suite", "cases"})
    if unknown:
        raise CaseFileError(f"{path}: unknown top-level key(s) {unknown}")
    name = raw.get("suite")
    if not isinstance(name, str) or not name:
        raise CaseFileError(f"{path}: 'suite' must be a non-empty name")
    items = raw.get("cases")
    if not isinstance(items, list) or not items:
        raise CaseFileError(f"{path}: 'cases' must be a non-empty list")
    cases: list[Case] = []
    for n, item in enumerate(items, start=1):
        label = f"case #{n}"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            label = f"case {item['id']!r}"
        if not isinstance(item, dict):
            raise CaseFileError(f"{path}: {label}: expected a mapping")
        model: type[AnswerCase] | type[DialogueCase]
        model = DialogueCase if "candidate" in item else AnswerCase
        try:
            case = model.model_validate(item)
        except ValidationError as exc:
            raise CaseFileError(f"{path}: {label}: {first_error(exc)}") from exc
        if case.question not in bank.rubrics:
            raise CaseFileError(f"{path}: {label}: unknown question id {case.question!r}")
        cases.append(case)
    return Suite(suite=name, path=path, cases=cases)


def _own_suite_sets(root: Path) -> list[Path]:
    """Folders below ``root`` with a gates.yaml of their own: suite sets run on their own."""
    return [g.parent for g in root.rglob("gates.yaml") if g.parent != root]


def collect_files(paths: list[Path]) -> list[Path]:
    """Case files named directly, or every ``*.yaml`` under a directory (recursively).

    A folder below a directory given that has its own ``gates.yaml`` is a suite set with its
    own gates: it is skipped there and run by naming it (``followup eval evals/corpus``).
    """
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            apart = _own_suite_sets(p)
            files.extend(
                sorted(
                    f
                    for f in p.rglob("*.yaml")
                    if f.name != "gates.yaml" and not any(s in f.parents for s in apart)
                )
            )
        elif p.exists():
            files.append(p)
        else:
            raise CaseFileError(f"{p}: no such file or directory")
    return files


def load_suites(paths: list[Path], bank: Bank) -> list[Suite]:
    """Load every suite; case ids must be unique across all of them."""
    files = collect_files(paths)
    if not files:
        raise CaseFileError(f"no case files (*.yaml) in {', '.join(map(str, paths))}")
    suites = [load_suite(f, bank) for f in files]
    seen: dict[str, Path] = {}
    for suite in suites:
        for case in suite.cases:
            if case.id in seen:
                raise CaseFileError(
                    f"{suite.path}: case {case.id!r}: duplicate id (also in {seen[case.id]})"
                )
            seen[case.id] = suite.path
    return suites
