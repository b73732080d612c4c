"""The scale's edge cases are written once and say the same wherever they are stated.

``prompts/scale.j2`` is what the model is given; ``rubrics/README.md`` (for rubric writers) and
the offline grader's documented rules repeat it word for word. The decisions themselves are the
labelling guide's (``evals/corpus/briefs/SCALE.md``), checked here for the ones that differ
between graders when left unsaid.
"""

from __future__ import annotations

import pytest
from locations import ROOT

from agent.grading.llm.prompts import render
from agent.grading.offline import grader


def flat(text: str) -> str:
    return " ".join(text.split())


def edge_cases() -> list[str]:
    lines = render("scale.j2").splitlines()
    return [line.removeprefix("- ") for line in lines if line.startswith("- ")]


def test_there_are_edge_cases_to_mirror() -> None:
    assert len(edge_cases()) >= 9


MIRRORS = {
    "rubrics-readme": lambda: (ROOT / "rubrics" / "README.md").read_text(encoding="utf-8"),
    "offline-grader": lambda: grader.__doc__ or "",
}


@pytest.mark.parametrize("where", list(MIRRORS))
def test_every_edge_case_is_stated_in_the_same_words(where: str) -> None:
    text = flat(MIRRORS[where]())
    missing = [case for case in edge_cases() if f"- {case}" not in text]
    assert missing == []


@pytest.mark.parametrize(
    ("decision", "in_guide"),
    [
        ("only wrong content: 0", "a dimension whose only content is wrong earns 0"),
        ("that dimension at most 1", "A confidently wrong claim caps its dimension at 1"),
        ("example at most 2", "worked through concretely earns at most 2 on example"),
        ("back two dimensions", "One sentence may count for two dimensions"),
        ("at most 1 where it gestures", "earns at most 1 on the dimension it gestures at"),
        ("Any phrasing or language counts", "or another language are graded on what they say"),
    ],
)
def test_the_decisions_are_the_labelling_guides(decision: str, in_guide: str) -> None:
    guide = flat((ROOT / "evals" / "corpus" / "briefs" / "SCALE.md").read_text())
    assert in_guide in guide
    assert any(decision in case for case in edge_cases())


def test_the_offline_grader_says_how_it_meets_the_language_case() -> None:
    assert "reads English only" in flat(grader.__doc__ or "")
