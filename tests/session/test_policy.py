"""The policy on hand-made grade sequences (no grader involved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.bank.rubric import Dimension, Rubric
from agent.grading.backend import Assessment, TurnRequest
from agent.grading.scripted import ScriptedBackend
from agent.session.interview import Interview
from agent.session.policy import (
    Outcome,
    PolicyState,
    candidates,
    next_probe,
    probe_texts,
    step,
)
from agent.session.transcript import TranscriptWriter

D, IMP, E, T = "definition", "implication", "example", "tradeoff"


def scores(d: int = 0, i: int = 0, e: int = 0, t: int = 0) -> dict[str, int]:
    return {D: d, IMP: i, E: e, T: t}


def run(toy: Rubric, script: list[dict[str, int]], max_turns: int = 6) -> Interview:
    interview = Interview(toy, ScriptedBackend(script), max_turns=max_turns)
    interview.open()
    for n in range(len(script)):
        if interview.outcome is not None:
            break
        interview.answer(f"answer {n}")
    return interview


def targets(interview: Interview) -> list[str]:
    return [t.probe_after.dimension.value for t in interview.turns if t.probe_after]


def test_best_score_is_the_max_over_turns(toy: Rubric) -> None:
    interview = run(toy, [scores(3, 1, 0, 0), scores(0, 2, 0, 0)])
    assert interview.state.best == {
        Dimension.DEFINITION: 3,
        Dimension.IMPLICATION: 2,
        Dimension.EXAMPLE: 0,
        Dimension.TRADEOFF: 0,
    }


def test_lowest_dimension_is_probed_and_ties_go_in_order(toy: Rubric) -> None:
    interview = run(toy, [scores(2, 2, 1, 1)])
    assert targets(interview) == [E]
    interview = run(toy, [scores(1, 1, 1, 1)])
    assert targets(interview) == [D]
    interview = run(toy, [scores(3, 0, 2, 0)])
    assert targets(interview) == [IMP]


def test_all_threes_ends_senior_without_a_probe(toy: Rubric) -> None:
    interview = run(toy, [scores(3, 3, 3, 3)])
    assert interview.outcome is Outcome.SENIOR
    assert targets(interview) == []


def test_senior_reached_over_several_turns(toy: Rubric) -> None:
    interview = run(toy, [scores(3, 3, 0, 0), scores(0, 0, 3, 0), scores(0, 0, 0, 3)])
    assert targets(interview) == [E, T]
    assert interview.outcome is Outcome.SENIOR


def test_out_of_turns_at_max(toy: Rubric) -> None:
    interview = run(toy, [scores(1, 1, 1, 1), scores(2, 1, 1, 1), scores(2, 2, 1, 1)], 3)
    assert interview.outcome is Outcome.OUT_OF_TURNS
    assert len(interview.turns) == 3


def test_dimension_probed_twice_without_rising_is_set_aside(toy: Rubric) -> None:
    # definition stays at 0 through two probes, then the policy moves on to implication.
    interview = run(toy, [scores(0, 1, 1, 1), scores(0, 1, 1, 1), scores(0, 1, 1, 1)])
    assert targets(interview) == [D, D, IMP]
    assert Dimension.DEFINITION in interview.state.set_aside


def test_rising_score_keeps_the_dimension_open(toy: Rubric) -> None:
    interview = run(toy, [scores(0, 2, 2, 2), scores(1, 2, 2, 2), scores(2, 2, 2, 2)])
    assert targets(interview) == [D, D, D]
    assert interview.state.set_aside == []


def test_stalled_when_every_open_dimension_is_set_aside(toy: Rubric) -> None:
    script = [scores(3, 3, 3, 1)] + [scores(0, 0, 0, 1)] * 2
    interview = run(toy, script, max_turns=6)
    assert targets(interview) == [T, T]
    assert interview.outcome is Outcome.STALLED


def test_no_probe_text_is_asked_twice(toy: Rubric) -> None:
    state = PolicyState()
    seen: list[str] = []
    while (probe := next_probe(toy, state)) is not None:
        assert probe.text not in seen
        seen.append(probe.text)
        state.asked.append(probe.text)
    # every basic and senior probe of every open dimension, once
    assert len(seen) == 4 * 3 + 4
    assert candidates(state) == []


def test_a_dimension_at_two_gets_senior_probes_first(toy: Rubric) -> None:
    interview = run(toy, [scores(3, 3, 3, 2)])
    probe = interview.turns[-1].probe_after
    assert probe is not None and probe.source.value == "senior"
    assert probe.base_text == "Where would you set the toy threshold, and why there?"


def test_probe_quotes_the_candidate_when_it_is_about_what_they_said(toy: Rubric) -> None:
    # tradeoff at 2: the senior probe "Where would you set the toy threshold ...?" is about toys
    interview = Interview(toy, ScriptedBackend([scores(3, 3, 3, 2)]))
    result = interview.answer("Cheap toys break.")
    assert result.probe is not None and "toy threshold" in result.probe.text
    assert result.probe.text.startswith('You said "Cheap toys break". ')


def test_a_probe_about_something_never_said_has_no_quote(toy: Rubric) -> None:
    interview = Interview(toy, ScriptedBackend([scores(0, 0, 0, 1)]))
    result = interview.answer("Cheap toys break.")
    assert result.probe is not None
    assert result.probe.text == "What about definition, first?"


def test_skip_sets_the_dimension_aside(toy: Rubric) -> None:
    interview = Interview(toy, ScriptedBackend([scores(1, 2, 2, 2)]))
    first = interview.answer("x").probe
    assert first is not None and first.dimension is Dimension.DEFINITION
    probe, outcome = interview.skip()
    assert outcome is None and probe is not None and probe.dimension is Dimension.IMPLICATION


def test_answer_after_the_end_is_refused(toy: Rubric) -> None:
    interview = run(toy, [scores(3, 3, 3, 3)])
    with pytest.raises(RuntimeError):
        interview.answer("more")


def test_max_turns_must_be_positive(toy: Rubric) -> None:
    with pytest.raises(ValueError):
        Interview(toy, ScriptedBackend([]), max_turns=0)


def _assessed(toy: Rubric, **given: int) -> Assessment:
    backend = ScriptedBackend([scores(**given)])
    return backend.assess(toy, TurnRequest(answer="It is a toy.", asked=toy.question))


def test_step_records_the_grade_and_asks_the_lowest_dimension(toy: Rubric) -> None:
    state = PolicyState()
    after = step(toy, state, _assessed(toy, d=2, i=1, e=1, t=1), None, max_turns=6)
    assert state.best[Dimension.DEFINITION] == 2 and state.answers == 1
    assert after.outcome is None and after.probe is not None
    assert after.probe.dimension == Dimension.IMPLICATION


def test_step_ends_senior_out_of_turns_or_stalled(toy: Rubric) -> None:
    assert step(toy, PolicyState(), _assessed(toy, d=3, i=3, e=3, t=3), None, 6).outcome == (
        Outcome.SENIOR
    )
    assert step(toy, PolicyState(), _assessed(toy, d=1), None, 1).outcome == Outcome.OUT_OF_TURNS
    every_probe = [text for d in Dimension for text, _ in probe_texts(toy, d, 0)]
    every_probe += [text for d in Dimension for text, _ in probe_texts(toy, d, 2)]
    exhausted = PolicyState(asked=every_probe)
    assert step(toy, exhausted, _assessed(toy, d=1), None, 6).outcome == Outcome.STALLED


def test_a_hypothetical_step_leaves_exhausted_dimensions_open(toy: Rubric) -> None:
    asked = [text for text, _ in probe_texts(toy, Dimension.DEFINITION, 0)]
    real, hypothetical = PolicyState(asked=list(asked)), PolicyState(asked=list(asked))
    assessment = _assessed(toy, d=0, i=1, e=1, t=1)
    chosen = step(toy, real, assessment, None, 6)
    proposed = step(toy, hypothetical, assessment, None, 6, hypothetical=True)
    assert chosen == proposed
    assert chosen.probe is not None and chosen.probe.dimension == Dimension.IMPLICATION
    assert Dimension.DEFINITION in real.set_aside
    assert hypothetical.set_aside == [] and hypothetical.answers == 1


def test_the_interview_and_replay_share_the_step(toy: Rubric, tmp_path: Path) -> None:
    """Both call ``policy.step``: replaying a live session proposes the probes it asked."""
    from agent.replay.inputs import read_conversation
    from agent.replay.regrade import regrade

    script = [scores(d=2, i=1), scores(i=2), scores(e=2), scores(t=1)]
    path = tmp_path / "live.jsonl"
    live = Interview(toy, ScriptedBackend(script), writer=TranscriptWriter(path))
    for n in range(len(script)):
        live.answer(f"answer number {n}")
    live.quit()
    report = regrade(read_conversation(str(path)), toy, ScriptedBackend(script), "s1")
    proposed = [t.probe_now.text if t.probe_now else None for t in report.turns]
    asked = [t.probe_after.text if t.probe_after else None for t in live.turns]
    assert proposed == asked and len(asked) == 4 and None not in asked
