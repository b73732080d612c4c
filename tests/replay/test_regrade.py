"""Re-grading: the policy state is rebuilt turn by turn, the conversation is never re-run.

The scripted backend sets the scores, so what the state does with them is exact.
"""

from __future__ import annotations

from pathlib import Path

from locations import FIXTURES as ALL_FIXTURES

from agent.bank.rubric import DIMENSIONS, Bank, Dimension
from agent.grading.offline import OfflineBackend
from agent.grading.scripted import ScriptedBackend
from agent.replay.inputs import read_conversation
from agent.replay.regrade import CONTEXT_TURNS, regrade, replay
from agent.replay.wording import bank_probes
from agent.session.interview import Interview
from agent.session.policy import Outcome
from agent.session.transcript import TranscriptWriter

D, IMP, E, T = DIMENSIONS
FIXTURES = ALL_FIXTURES / "transcripts"


def record(bank: Bank, path: Path, scores: list[dict[str, int]]) -> None:
    """A real chat session on random-forest, graded by a script, written as JSONL."""
    rubric = bank.get("random-forest")
    interview = Interview(rubric, ScriptedBackend(scores), writer=TranscriptWriter(path))
    for n in range(len(scores)):
        interview.answer(f"Answer number {n + 1} about the forest.")
    if interview.outcome is None:
        interview.quit()


def test_running_best_and_the_probe_the_agent_would_ask(bank: Bank, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    record(bank, path, [{"definition": 1}, {"implication": 1}, {"example": 1}])
    convo = read_conversation(str(path))
    rubric = bank.get("random-forest")
    regrader = ScriptedBackend([{"definition": 2}, {"tradeoff": 3}, {"definition": 1}])
    report = regrade(convo, rubric, regrader, "s1")

    assert [t.best for t in report.turns] == [
        {D: 2, IMP: 0, E: 0, T: 0},
        {D: 2, IMP: 0, E: 0, T: 3},
        {D: 2, IMP: 0, E: 0, T: 3},
    ]
    assert [t.recorded[D] if t.recorded else None for t in report.turns] == [1, 0, 0]
    # each answer was graded once, in its own context, with the probes asked before it
    assert [c.answer for c in regrader.calls] == [t.answer for t in convo.turns]
    assert regrader.calls[0].asked == rubric.question and regrader.calls[0].history == []
    assert regrader.calls[2].asked == convo.turns[2].asked
    assert len(regrader.calls[2].history) == 2
    assert regrader.calls[2].best == {D: 2, IMP: 0, E: 0, T: 3}
    # the agent's suggestion is never a probe already asked before it
    asked_so_far: list[str] = []
    for turn in report.turns:
        assert turn.probe_now is not None and turn.would_end is None
        assert turn.probe_now.base_text not in asked_so_far
        assert turn.probe_asked is not None
        asked_so_far += [text for text, *_ in bank_probes(rubric) if text in turn.probe_asked.text]
    assert report.turns[0].probe_now is not None
    assert report.turns[0].probe_now.dimension == Dimension.IMPLICATION
    assert report.summary.outcome == Outcome.QUIT
    assert report.summary.weakest == Dimension.IMPLICATION
    assert report.practise and all(report.turns[-1].best[p.dimension] < 3 for p in report.practise)


def test_suggestion_skips_the_probe_that_was_actually_asked(bank: Bank, tmp_path: Path) -> None:
    """With the same grades the agent would pick the same bank probe, but it was asked."""
    path = tmp_path / "t.jsonl"
    record(bank, path, [{"definition": 2}, {"definition": 2}])
    convo = read_conversation(str(path))
    actual = convo.turns[0].probes_after[-1]
    report = regrade(
        convo, bank.get("random-forest"), ScriptedBackend([{"definition": 2}] * 2), "s1"
    )
    first, second = report.turns
    assert first.probe_now is not None and first.probe_now.text == actual.text
    assert second.probe_now is not None and second.probe_now.base_text not in actual.text


def test_agent_would_end_when_the_regrade_reaches_senior(bank: Bank, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    record(bank, path, [{"definition": 1}, {"definition": 1}])
    convo = read_conversation(str(path))
    top = dict.fromkeys(("definition", "implication", "example", "tradeoff"), 3)
    report = regrade(convo, bank.get("random-forest"), ScriptedBackend([top, {}]), "s1")
    assert [t.would_end for t in report.turns] == [Outcome.SENIOR, Outcome.SENIOR]
    assert all(t.probe_now is None for t in report.turns)
    assert report.summary.outcome == Outcome.SENIOR and report.practise == []
    assert report.recorded_outcome == Outcome.QUIT


def test_skipped_probe_sets_its_dimension_aside(bank: Bank) -> None:
    convo = read_conversation(str(FIXTURES / "v1-random-forest.jsonl"))
    report = regrade(convo, bank.get("random-forest"), ScriptedBackend([{}] * 4), "s1")
    skipped = report.turns[1].probes_skipped
    assert len(skipped) == 1 and skipped[0].dimension == Dimension.EXAMPLE
    later = [t.probe_now.dimension for t in report.turns[2:] if t.probe_now]
    assert Dimension.EXAMPLE not in later


def test_offline_replay_of_the_frozen_transcript(bank: Bank) -> None:
    """Structure only: the offline grader is still being tuned."""
    report = replay([str(FIXTURES / "v1-random-forest.jsonl")], bank, OfflineBackend())
    assert report.errors == [] and report.cohort is None
    (session,) = report.sessions
    assert session.question_id == "random-forest" and report.grader == "offline"
    assert len(session.turns) == 4
    previous = dict.fromkeys(DIMENSIONS, 0)
    for turn in session.turns:
        assert [g.dimension for g in turn.grades] == list(DIMENSIONS)
        assert all(0 <= g.score <= 3 and g.reason for g in turn.grades)
        assert all(g.evidence for g in turn.grades if g.score > 0)
        assert turn.recorded is not None
        assert all(turn.best[d] >= previous[d] for d in DIMENSIONS)
        assert (turn.probe_now is None) == (turn.would_end is not None)
        previous = turn.best
    assert [d.score for d in session.summary.dimensions] == [previous[d] for d in DIMENSIONS]
    assert session.summary.reference_answer == bank.get("random-forest").reference_answer.strip()


def test_a_long_transcript_keeps_each_request_the_same_size(bank: Bank, tmp_path: Path) -> None:
    """Linear replay: the context a backend gets stops growing, the bank probes stay asked."""
    rubric = bank.get("random-forest")
    bank_probe = rubric.dimension(E).probes[0]
    lines = [f"Interviewer: {rubric.question}", "Candidate: Answer 1."]
    for n in range(2, 301):
        asked = bank_probe if n == 2 else f"Free-form question number {n}?"
        lines += [f"Interviewer: {asked}", f"Candidate: Answer {n}."]
    path = tmp_path / "long.txt"
    path.write_text("\n".join(lines) + "\n")
    convo = read_conversation(str(path))
    backend = ScriptedBackend([{}] * 300)
    report = regrade(convo, rubric, backend, "s1")
    assert len(report.turns) == 300
    assert max(len(c.history) for c in backend.calls) == CONTEXT_TURNS
    assert max(len(c.already_asked) for c in backend.calls) == CONTEXT_TURNS + 1
    last = backend.calls[-1]
    assert [e.answer for e in last.history] == [f"Answer {n}." for n in range(276, 300)]
    # the bank probe asked at the start is remembered to the end; old free-form lines are not
    assert last.already_asked[0] == bank_probe
    assert "Free-form question number 10?" not in last.already_asked
    assert "Free-form question number 300?" in last.already_asked
    assert all(t.probe_now is None or t.probe_now.base_text != bank_probe for t in report.turns)


def test_short_transcripts_see_all_their_context(bank: Bank, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    record(bank, path, [{"definition": 1}] * 5)
    convo = read_conversation(str(path))
    backend = ScriptedBackend([{}] * 5)
    regrade(convo, bank.get("random-forest"), backend, "s1")
    assert [len(c.history) for c in backend.calls] == [0, 1, 2, 3, 4]
    asked = [p.text for t in convo.turns for p in t.probes_after]
    assert len(backend.calls[-1].already_asked) == len(set(asked[:4])) == 4
