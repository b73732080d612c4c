"""The mock loop: questions drawn across topics, a time limit on an injectable clock, the report."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from locations import FIXTURES

from agent.bank.rubric import Bank, Dimension, Rubric
from agent.grading.scripted import ScriptedBackend
from agent.session.interview import Interview
from agent.session.loop import SLOTS, MockLoop, draw_questions
from agent.session.policy import Outcome
from agent.session.transcript import EndEvent, SessionEvent, TranscriptWriter, read_transcript


class Clock:
    """A fake clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_loop_covers_the_slots_in_order(bank: Bank) -> None:
    for seed in range(20):
        drawn = draw_questions(list(bank.rubrics.values()), 4, seed=seed)
        assert [r.topic in slot for r, slot in zip(drawn, SLOTS, strict=True)] == [True] * 4
        assert len({r.id for r in drawn}) == 4
    # both topics of a two-topic slot come up across seeds
    third = Counter(
        draw_questions(list(bank.rubrics.values()), 4, seed=s)[2].topic for s in range(40)
    )
    assert set(third) == {"ensembles", "debugging"}


def test_the_draw_is_repeatable_and_seeds_differ(bank: Bank) -> None:
    rubrics = list(bank.rubrics.values())
    assert draw_questions(rubrics, 6, seed=7) == draw_questions(rubrics, 6, seed=7)
    assert len({tuple(r.id for r in draw_questions(rubrics, 4, seed=s)) for s in range(10)}) > 5


def test_longer_loops_repeat_the_slots_and_never_repeat_a_question(bank: Bank) -> None:
    drawn = draw_questions(list(bank.rubrics.values()), 8, seed=1)
    assert len({r.id for r in drawn}) == 8
    assert drawn[4].topic == "fundamentals" and drawn[5].topic == "evaluation"
    everything = draw_questions(list(bank.rubrics.values()), 99, seed=1)
    assert len(everything) == len(bank.rubrics) == len({r.id for r in everything})


def test_a_topic_narrows_the_draw(bank: Bank) -> None:
    drawn = draw_questions(list(bank.rubrics.values()), 4, topic="ensembles", seed=3)
    assert len(drawn) == 4 and {r.topic for r in drawn} == {"ensembles"}
    assert len(draw_questions(list(bank.rubrics.values()), 4, topic="projects")) == 2


def test_questions_due_come_first_and_take_their_topic_slot(bank: Bank) -> None:
    rubrics = list(bank.rubrics.values())
    due = ["drift-monitoring", "calibration", "not-in-the-bank"]
    drawn = draw_questions(rubrics, 4, seed=5, first=due)
    assert [r.id for r in drawn[:2]] == ["drift-monitoring", "calibration"]
    # production/projects and evaluation are taken: the rest are fundamentals, then ens/debug
    assert drawn[2].topic == "fundamentals" and drawn[3].topic in ("ensembles", "debugging")
    assert [r.id for r in draw_questions(rubrics, 1, first=due)] == ["drift-monitoring"]


def timed(toy: Rubric, clock: Clock, script: list[dict[str, int]], path: Path) -> Interview:
    return Interview(
        toy,
        ScriptedBackend(script),
        writer=TranscriptWriter(path),
        loop_id="loop1234",
        time_limit=60.0,
        clock=clock,
    )


def test_an_answer_after_the_limit_is_graded_then_the_question_ends_out_of_time(
    toy: Rubric, tmp_path: Path
) -> None:
    clock = Clock()
    interview = timed(toy, clock, [{"definition": 2}, {"implication": 2}], tmp_path / "t.jsonl")
    interview.open()
    clock.now += 30
    first = interview.answer("A toy is a thing you play with.")
    assert first.outcome is None and first.probe is not None
    assert interview.remaining() == 30.0
    clock.now += 45  # past the limit while typing
    second = interview.answer("It changes how kids spend their time.")
    assert second.outcome is Outcome.OUT_OF_TIME and second.probe is None
    assert interview.state.best[Dimension.IMPLICATION] == 2  # the late answer counted
    events, _ = read_transcript(tmp_path / "t.jsonl")
    session, end = events[0], events[-1]
    assert isinstance(session, SessionEvent) and session.version == 3
    assert session.loop_id == "loop1234" and session.time_limit == 60.0
    assert isinstance(end, EndEvent) and end.outcome is Outcome.OUT_OF_TIME
    assert end.elapsed == 75.0 and end.answers == 2
    assert [e.type for e in events].count("probe") == 1


def test_expire_ends_an_idle_question_and_not_before_the_limit(toy: Rubric) -> None:
    clock = Clock()
    interview = Interview(toy, ScriptedBackend([{"definition": 1}]), time_limit=60, clock=clock)
    assert not interview.expire()  # not asked yet: the clock has not started
    interview.open()
    clock.now += 59.9
    assert not interview.expire() and interview.outcome is None
    clock.now += 0.1
    assert interview.expire() and interview.outcome is Outcome.OUT_OF_TIME
    clock.now += 100
    assert interview.elapsed() == pytest.approx(60.0)  # frozen at the end
    with pytest.raises(ValueError):
        Interview(toy, ScriptedBackend([]), time_limit=0)


def test_frozen_version_3_loads() -> None:
    events, warnings = read_transcript(FIXTURES / "transcripts" / "v3-mock-out-of-time.jsonl")
    assert warnings == []
    session, end = events[0], events[-1]
    assert isinstance(session, SessionEvent) and session.version == 3
    assert session.loop_id == "5e1f0c2a" and session.time_limit == 120.0
    assert isinstance(end, EndEvent) and end.outcome is Outcome.OUT_OF_TIME and end.elapsed == 131.5


def test_the_loop_links_its_transcripts_and_reports_each_question(
    bank: Bank, tmp_path: Path
) -> None:
    rubrics = [bank.get("bias-variance"), bank.get("calibration"), bank.get("data-leakage")]
    script = [{"definition": 3, "implication": 1}, {"definition": 1, "tradeoff": 2}]
    loop = MockLoop(
        rubrics,
        ScriptedBackend(script * 3),
        max_turns=1,
        writer_for=lambda r: TranscriptWriter(tmp_path / f"{r.id}.jsonl"),
    )
    for n, interview in enumerate(loop.interviews()):
        interview.answer("An answer.")
        if n == 1:
            break  # the candidate ends the loop after the second question
    report = loop.report()
    assert [q.question_id for q in report.questions] == ["bias-variance", "calibration"]
    assert report.not_asked == ["data-leakage"]
    assert [q.outcome for q in report.questions] == [Outcome.OUT_OF_TURNS] * 2
    assert report.questions[0].best == {
        Dimension.DEFINITION: 3,
        Dimension.IMPLICATION: 1,
        Dimension.EXAMPLE: 0,
        Dimension.TRADEOFF: 0,
    }
    assert report.questions[0].weakest is Dimension.EXAMPLE
    # means: definition 2, implication 0.5, example 0, tradeoff 1 -> example
    assert report.practise_next is Dimension.EXAMPLE and "0.0/3" in report.reason
    ids = {
        read_transcript(tmp_path / f"{q}.jsonl")[0][0].loop_id
        for q in ("bias-variance", "calibration")
    }  # type: ignore[union-attr]
    assert ids == {loop.loop_id}
    assert not (tmp_path / "data-leakage.jsonl").exists()
