"""Every rubric point fires on paraphrases nobody tuned it on, and stays silent on near misses.

The paraphrases in tests/fixtures/paraphrases/<question>.yaml were written independently of the
eval suites: several ways a candidate might make each claim, and near misses (the claim's words
without the claim, its negation, a neighbouring wrong claim).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from locations import FIXTURES as ALL_FIXTURES
from pydantic import BaseModel, ConfigDict

from agent.bank.rubric import Bank, Dimension
from agent.grading.offline.evidence import index_text

FIXTURES = ALL_FIXTURES / "paraphrases"


class PointCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dimension: Dimension | None = None  # None: a misconception
    point: str
    should_match: list[str] = []
    should_not_match: list[str] = []


class ParaphraseFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str
    points: list[PointCase]


def _files() -> list[Path]:
    return sorted(FIXTURES.glob("*.yaml"))


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.stem)
def test_points_generalise(path: Path, bank: Bank) -> None:
    data = ParaphraseFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    rubric = bank.get(data.question)
    failures: list[str] = []
    for case in data.points:
        if case.dimension is None:
            matcher = next(m for m in rubric.misconceptions if m.id == case.point).compiled
        else:
            matcher = next(
                p for p in rubric.dimension(case.dimension).points if p.id == case.point
            ).compiled
        for text in case.should_match:
            if index_text(text).find(matcher) is None:
                failures.append(f"{case.point}: missed {text!r}")
        for text in case.should_not_match:
            if index_text(text).find(matcher) is not None:
                failures.append(f"{case.point}: fired on {text!r}")
    assert not failures, "\n".join(failures)
