"""The question bank: one YAML file per question in ``rubrics/``, validated by pydantic.

A rubric holds everything question-specific the offline grader knows. The grader's logic is
general (see ``agent/grading``); what counts as evidence for *this* question lives here as
**points**: the claims a 2 and a 3 must make, each with the ways people phrase them.

A point's ``match`` is a list of groups; every group must match inside the same sentence (or a
sentence and the one right after it), and a group matches when any of its alternatives does.
Alternatives are case-insensitive Python regexes; a word boundary is added in front of an
alternative that starts with a word character, so ``recall`` does not fire inside ``precall``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from agent.bank.cues import CueGroup, compile_alternative, compile_group
from agent.errors import RubricError
from agent.models import Frozen, first_error
from agent.yamlfile import read_yaml


class Dimension(StrEnum):
    """The four things every answer is graded on, in the policy's tie order."""

    DEFINITION = "definition"
    IMPLICATION = "implication"
    EXAMPLE = "example"
    TRADEOFF = "tradeoff"


DIMENSIONS: tuple[Dimension, ...] = tuple(Dimension)


Group = Annotated[list[str], Field(min_length=1)]


def _validate_groups(groups: list[list[str]], info: ValidationInfo) -> list[list[str]]:
    """Compile each group once (kept for grading); on failure, name the bad alternative.

    With the validation context ``{"compile": False}`` (the packaged bank, whose regexes the
    test suite compiles) compiling is left to first use, so startup stays fast.
    """
    eager = not (isinstance(info.context, dict) and info.context.get("compile") is False)
    for group in groups:
        for alternative in group:
            if any(ord(ch) < 32 for ch in alternative):
                raise ValueError(
                    f"{alternative!r} holds a control character: YAML double quotes turn "
                    r"'\b' into a backspace; write regexes in single quotes"
                )
        if not eager:
            continue
        try:
            compile_group(tuple(group))
        except re.error:
            for alternative in group:
                try:
                    compile_alternative(alternative)
                except re.error as exc:
                    raise ValueError(f"bad regex {alternative!r}: {exc}") from exc
            raise ValueError(f"bad regex group {group!r}") from None
    return groups


class _Claim(Frozen):
    """A claim with the phrasings that show it (see the module docstring for matching)."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    says: Annotated[str, Field(min_length=8)]
    match: Annotated[list[Group], Field(min_length=1)]

    @field_validator("match")
    @classmethod
    def _regexes_compile(cls, groups: list[list[str]], info: ValidationInfo) -> list[list[str]]:
        return _validate_groups(groups, info)

    @cached_property
    def compiled(self) -> tuple[CueGroup, ...]:
        return tuple(compile_group(tuple(group)) for group in self.match)


class Point(_Claim):
    """One claim that earns credit on a dimension, at level 2 (solid) or 3 (senior)."""

    level: Literal[2, 3]


class Misconception(_Claim):
    """A confidently wrong claim; stating it caps the dimension at 1."""

    dimension: Dimension


class DimensionRubric(Frozen):
    """What one dimension means for this question, how it is evidenced, and how to probe it."""

    meaning: Annotated[str, Field(min_length=10)]
    level2: Annotated[str, Field(min_length=10)]
    level3: Annotated[str, Field(min_length=10)]
    need: Annotated[int, Field(ge=1, le=4)] = 1
    points: Annotated[list[Point], Field(min_length=2)]
    probes: Annotated[list[str], Field(min_length=3)]
    hint: Annotated[str, Field(min_length=10)]

    @model_validator(mode="after")
    def _has_both_levels(self) -> DimensionRubric:
        levels = {p.level for p in self.points}
        if levels != {2, 3}:
            raise ValueError("points must include at least one level-2 and one level-3 point")
        ids = [p.id for p in self.points]
        if len(ids) != len(set(ids)):
            raise ValueError("point ids must be unique within a dimension")
        if len(self.probes) != len(set(self.probes)):
            raise ValueError("probes must not repeat")
        return self


SeniorKind = Literal["threshold", "drift", "deployment", "fit"]


class SeniorProbe(Frozen):
    """A probe that pushes a solid answer to the senior layer."""

    kind: SeniorKind
    dimension: Dimension
    text: Annotated[str, Field(min_length=10)]


class Rubric(Frozen):
    """One question of the bank."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    topic: Literal["fundamentals", "evaluation", "ensembles", "debugging", "projects", "production"]
    title: Annotated[str, Field(min_length=3)]
    question: Annotated[str, Field(min_length=10)]
    topic_terms: Annotated[list[str], Field(min_length=3)]
    definition: DimensionRubric
    implication: DimensionRubric
    example: DimensionRubric
    tradeoff: DimensionRubric
    misconceptions: list[Misconception] = Field(default_factory=list)
    senior_probes: Annotated[list[SeniorProbe], Field(min_length=4)]
    definition_in_stories: bool = False
    """Whether a story from the candidate's work can carry the definition. Usually not: the
    concept has to be stated. Questions whose answer is a story (tell me about a project) say
    true."""
    reference_answer: Annotated[str, Field(min_length=200)]
    weak_answer: Annotated[str, Field(min_length=30)]

    @field_validator("topic_terms")
    @classmethod
    def _terms_compile(cls, terms: list[str], info: ValidationInfo) -> list[str]:
        return _validate_groups([terms], info)[0]

    @model_validator(mode="after")
    def _senior_kinds(self) -> Rubric:
        kinds = {p.kind for p in self.senior_probes}
        missing = {"threshold", "drift", "deployment", "fit"} - kinds
        if missing:
            raise ValueError(f"senior_probes needs every kind; missing {sorted(missing)}")
        return self

    def dimension(self, dim: Dimension) -> DimensionRubric:
        rubric: DimensionRubric = getattr(self, dim.value)
        return rubric

    @cached_property
    def compiled_terms(self) -> CueGroup:
        return compile_group(tuple(self.topic_terms))


def load_rubric(path: Path, compile_cues: bool = True) -> Rubric:
    """Load and validate one rubric file.

    Args:
        path: the YAML file.
        compile_cues: compile every regex now (False defers it to first use).

    Raises:
        RubricError: the file is unreadable, not YAML, or fails validation.
    """
    raw = read_yaml(path, RubricError)
    if not isinstance(raw, dict):
        raise RubricError(f"{path}: expected a mapping at the top level")
    try:
        rubric = Rubric.model_validate(raw, context={"compile": compile_cues})
    except ValidationError as exc:
        raise RubricError(f"{path}: {first_error(exc)}") from exc
    if rubric.id != path.stem:
        raise RubricError(f"{path}: id: {rubric.id!r} must match the file name {path.stem!r}")
    return rubric


class Bank(BaseModel):
    """All questions, by id, in file-name order."""

    model_config = ConfigDict(frozen=True)
    rubrics: dict[str, Rubric]

    def get(self, question_id: str) -> Rubric:
        try:
            return self.rubrics[question_id]
        except KeyError:
            known = ", ".join(sorted(self.rubrics))
            raise RubricError(f"unknown question id {question_id!r}; known: {known}") from None

    def topics(self) -> list[str]:
        return sorted({r.topic for r in self.rubrics.values()})


def load_bank(directory: Path | None = None) -> Bank:
    """Load every ``*.yaml`` rubric in ``directory`` (default: the packaged bank).

    A user's own directory has every regex compiled at once, so a broken one is reported
    before the session starts; the packaged bank (compiled by the tests) compiles on use.
    """
    from agent.resources import rubrics_dir

    packaged = directory is None
    directory = directory or rubrics_dir()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise RubricError(f"{directory}: no rubric files (*.yaml) found")
    return Bank(rubrics={f.stem: load_rubric(f, compile_cues=not packaged) for f in files})
