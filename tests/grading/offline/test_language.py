"""The offline grader says plainly that it reads English, never scores another language as 0s."""

from __future__ import annotations

import pytest

from agent.bank.rubric import Bank
from agent.grading.backend import TurnRequest
from agent.grading.offline import OfflineBackend
from agent.grading.offline.language import ENGLISH_ONLY, reads_as_english

OTHER = [
    "Los datos faltantes se pueden manejar de varias formas, y depende de por qué faltan.",
    "Le biais c'est quand le modèle est trop simple, et la variance quand il est trop compliqué.",
    "Wenn zwei Features stark korreliert sind, teilt der Random Forest die Wichtigkeit auf.",
    "Eu já usei clustering uma vez num projeto de marketing, e classificação em outro projeto.",
    "Calibrato vuol dire che le probabilità che dà il modello sono giuste, più o meno.",
]
ENGLISH = [
    "- val AUC 0.91 vs 0.87 -> offline only\n- check calibration, latency p99\n- A/B first",
    "So, um, basically the forest is like, a lot of trees, you know, and they vote.",
    "Model is calibrated when predicted probability match the frequency we observe in data.",
    "ok",
]


@pytest.mark.parametrize("text", OTHER)
def test_other_languages_are_recognised(text: str) -> None:
    assert not reads_as_english(text)


@pytest.mark.parametrize("text", ENGLISH)
def test_english_in_any_style_stays_english(text: str) -> None:
    assert reads_as_english(text)


def test_an_answer_in_another_language_is_not_graded_and_says_why(bank: Bank) -> None:
    rubric = bank.get("missing-data")
    result = OfflineBackend().assess(rubric, TurnRequest(answer=OTHER[0], asked=rubric.question))
    assert result.ungraded == ENGLISH_ONLY and result.notes == [ENGLISH_ONLY]
    assert "model backend" in ENGLISH_ONLY and all(s == 0 for s in result.grade.scores().values())
