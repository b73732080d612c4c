"""The offline grader on a long replay: graded in worker processes first, the same report."""

from __future__ import annotations

from pathlib import Path

from agent.bank.rubric import DIMENSIONS, Bank
from agent.grading.backend import Exchange, TurnRequest
from agent.grading.offline import OfflineBackend
from agent.grading.scripted import ScriptedBackend
from agent.replay.inputs import read_conversation
from agent.replay.parallel import Pregraded, pregrade
from agent.replay.regrade import regrade, replay

ANSWERS = [
    "It trains many decision trees on bootstrap samples of the rows and they vote.",
    "At each split only a random subset of the features is considered.",
    "On a churn dataset of 120k customers a 400-tree forest got 0.83 AUC, so we kept it.",
    "When latency matters hundreds of deep trees are too slow; I would use fewer trees.",
    "I am not sure.",
]


def mock(path: Path, turns: int) -> Path:
    lines = ["Interviewer: How does a random forest work, and when would you not use it?"]
    for n in range(turns):
        if n:
            lines.append("Interviewer: Why does that help?")
        lines.append(f"Candidate: {ANSWERS[n % len(ANSWERS)]} Take {n // len(ANSWERS)}.")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_offline_assessment_depends_on_the_answers_alone(bank: Bank) -> None:
    """What parallel grading rests on: beyond the answer, whether it replies to a probe and the
    earlier answers the conversation picture reads, the rest of the request changes nothing."""
    rubric = bank.get("random-forest")
    backend = OfflineBackend()
    for follow_up in (False, True):
        bare = TurnRequest(
            answer=ANSWERS[2],
            asked="",
            history=[Exchange(asked="", answer=ANSWERS[0])],
            follow_up=follow_up,
        )
        busy = TurnRequest(
            answer=ANSWERS[2],
            asked="Can you give me a concrete example?",
            history=[Exchange(asked=rubric.question, answer=ANSWERS[0])],
            best=dict.fromkeys(DIMENSIONS, 2),
            already_asked=[rubric.question],
            set_aside=[DIMENSIONS[0]],
            follow_up=follow_up,
        )
        assert backend.assess(rubric, bare) == backend.assess(rubric, busy)


def test_parallel_grading_gives_the_same_report(bank: Bank, tmp_path: Path) -> None:
    convo = read_conversation(str(mock(tmp_path / "long.txt", 40)))
    rubric = bank.get("random-forest")
    seen: list[tuple[int, int]] = []
    graded = pregrade(
        OfflineBackend(),
        [(rubric, [t.answer for t in convo.turns])],
        after=1,
        workers=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert isinstance(graded, Pregraded) and len(graded.done) == 40
    assert seen and seen[-1] == (40, 40)
    assert regrade(convo, rubric, graded, "s1") == regrade(convo, rubric, OfflineBackend(), "s1")


def test_short_replays_and_other_backends_are_graded_turn_by_turn(bank: Bank) -> None:
    rubric = bank.get("random-forest")
    work = [(rubric, ANSWERS)]
    offline = OfflineBackend()
    assert pregrade(offline, work, workers=2) is offline  # 5 answers: below PARALLEL_AFTER
    assert pregrade(offline, work, after=1, workers=1) is offline  # one core
    scripted = ScriptedBackend([{}] * 5)
    assert pregrade(scripted, work, after=1, workers=2) is scripted


def test_replay_counts_every_answer_for_its_progress(bank: Bank, tmp_path: Path) -> None:
    mock(tmp_path / "a.txt", 3)
    mock(tmp_path / "b.txt", 4)
    seen: list[tuple[int, int]] = []
    replay([str(tmp_path)], bank, OfflineBackend(), progress=lambda *p: seen.append(p))
    assert seen == [(n, 7) for n in range(1, 8)]
