"""``followup replay``: re-grade saved or pasted transcripts without re-running them.

Each candidate answer is graded again by the chosen backend with the context it had (the line
it answered, the exchanges before it, the best scores and probes so far), and folded into a
fresh ``PolicyState`` by the same ``step`` as the live interview. After each answer the report
shows the probe the agent would ask now (``step(..., hypothetical=True)`` chooses it on a copy
of the state, so the hypothetical never leaks into what follows) beside the probe the
interviewer actually asked, which is then marked as asked. The conversation itself is never
changed: later answers are graded as given.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.bank.rubric import DIMENSIONS, Bank, Dimension, Rubric
from agent.errors import InputError
from agent.grading.backend import Assessment, Backend, Exchange
from agent.grading.grade import Grade
from agent.replay.cohort import build_cohort
from agent.replay.inputs import (
    AskedProbe,
    Conversation,
    ConversationTurn,
    discover,
    read_conversation,
)
from agent.replay.model import DimensionResult, ReplayReport, SessionReport, TurnReport
from agent.replay.wording import match_probe, match_question
from agent.session.policy import Outcome, PolicyState, ProbeSource, Step, step
from agent.session.summary import OUTCOME_TEXT, summarize_grades
from agent.text import flatten
from agent.version import __version__

ENDS_OPEN = "the transcript ends here, before the agent would have ended the interview"


def resolve_rubric(convo: Conversation, bank: Bank, question_id: str | None) -> Rubric:
    """The bank question a transcript is graded against.

    JSONL names its question; plain text uses ``question_id`` when given, else its opening
    line's wording.

    Raises:
        InputError: the question is not in the bank, or the wording matches none clearly.
    """
    if convo.format == "jsonl":
        assert convo.question_id is not None
        rubric = bank.rubrics.get(convo.question_id)
        if rubric is None:
            raise InputError(
                f"{convo.source}:1: question {convo.question_id!r} is not in the question bank "
                "(see 'followup questions')"
            )
        if convo.question and flatten(convo.question) != flatten(rubric.question):
            convo.warnings.append(
                f"{convo.source}:{convo.question_line}: the recorded question is worded "
                f"differently from the bank's {rubric.id!r}; re-graded against the bank's rubric"
            )
        return rubric
    if question_id is not None:
        return bank.get(question_id)
    match = match_question(bank, convo.question)
    if match.rubric_id is None:
        raise InputError(
            f"{convo.source}:{convo.question_line}: cannot tell which question this is: "
            f"{match.problem}; name it with --question ID"
        )
    return bank.get(match.rubric_id)


def _recognised(rubric: Rubric, probe: AskedProbe) -> tuple[AskedProbe, str]:
    """The probe with its dimension filled in when the bank knows it, and its base text.

    The base text is what ``PolicyState.asked`` holds: the bank wording without the quote the
    agent puts in front, so a bank probe already asked is never suggested again.
    """
    if probe.source == ProbeSource.MODEL:
        return probe, probe.text
    found = match_probe(rubric, probe.text)
    if found is None:
        return probe, probe.text
    text, dim, source = found
    update = {"dimension": probe.dimension or dim, "source": probe.source or source}
    return probe.model_copy(update=update), text


def _mark_asked(rubric: Rubric, state: PolicyState, turn: ConversationTurn) -> list[AskedProbe]:
    """Record the probes actually asked after an answer (and any skips) in the state."""
    probes = []
    for asked in turn.probes_after:
        probe, base = _recognised(rubric, asked)
        probes.append(probe)
        state.asked.append(base)
        if probe.skipped and probe.dimension is not None:
            state.put_aside(probe.dimension)
    return probes


def _results(grade: Grade) -> list[DimensionResult]:
    return [
        DimensionResult(
            dimension=d,
            score=grade.get(d).score,
            evidence=list(grade.get(d).evidence),
            reason=grade.get(d).reason,
        )
        for d in DIMENSIONS
    ]


def _turn_report(
    n: int,
    turn: ConversationTurn,
    answered: Dimension | None,
    assessment: Assessment,
    after: Step,
    probes: list[AskedProbe],
    state: PolicyState,
) -> TurnReport:
    return TurnReport(
        turn=n,
        line=turn.line,
        asked=turn.asked,
        asked_dimension=answered,
        answer=turn.answer,
        grades=_results(assessment.grade),
        recorded=turn.recorded.scores() if turn.recorded else None,
        fallback=assessment.fallback,
        notes=list(assessment.notes),
        probe_asked=probes[-1] if probes else None,
        probes_skipped=[p for p in probes[:-1] if p.skipped],
        probe_now=after.probe,
        would_end=after.outcome,
        best=dict(state.best),
    )


def _max_turns(convo: Conversation) -> int:
    """The agent's turn budget; a pasted mock interview is judged on its own length."""
    if convo.format == "text":
        return max(convo.max_turns, len(convo.turns))
    return convo.max_turns


def regrade(
    convo: Conversation, rubric: Rubric, backend: Backend, session_id: str
) -> SessionReport:
    """Re-grade every answer of a conversation and build its report."""
    state = PolicyState()
    history: list[Exchange] = []
    grades: list[Grade] = []
    whole: list[Grade | None] = []
    turns: list[TurnReport] = []
    max_turns = _max_turns(convo)
    answered: Dimension | None = None  # what the line being answered targets (None: question)
    for n, turn in enumerate(convo.turns, start=1):
        request = state.request(turn.answer, turn.asked, history, follow_up=n > 1)
        assessment = backend.assess(rubric, request)
        after = step(rubric, state, assessment, answered, max_turns, hypothetical=True)
        grades.append(assessment.grade)
        whole.append(assessment.conversation)
        probes = _mark_asked(rubric, state, turn)
        turns.append(_turn_report(n, turn, answered, assessment, after, probes, state))
        history.append(Exchange(asked=turn.asked, answer=turn.answer))
        if probes:
            answered = probes[-1].dimension
    return _session_report(convo, rubric, session_id, state, (grades, whole), turns)


def _session_report(
    convo: Conversation,
    rubric: Rubric,
    session_id: str,
    state: PolicyState,
    graded: tuple[list[Grade], list[Grade | None]],
    turns: list[TurnReport],
) -> SessionReport:
    final = turns[-1].would_end if turns else None
    grades, whole = graded
    summary = summarize_grades(rubric, grades, state.best, final or Outcome.QUIT, whole)
    practise = [
        p for p in rubric.senior_probes if p.text not in state.asked and state.best[p.dimension] < 3
    ]
    return SessionReport(
        id=session_id,
        source=convo.source,
        format=convo.format,
        candidate=convo.candidate,
        question_id=rubric.id,
        title=rubric.title,
        question=rubric.question,
        asked_question=convo.question or rubric.question,
        at=convo.at.isoformat(timespec="seconds"),
        recorded_grader=convo.recorded_grader,
        recorded_outcome=convo.recorded_outcome,
        warnings=list(convo.warnings),
        turns=turns,
        summary=summary,
        outcome_text=OUTCOME_TEXT[final] if final else ENDS_OPEN,
        practise=practise,
    )


def replay(
    sources: Sequence[str],
    bank: Bank,
    backend: Backend,
    question_id: str | None = None,
    stdin_text: str | None = None,
) -> ReplayReport:
    """Re-grade every transcript found under ``sources``; one bad file never stops the rest.

    Args:
        sources: files, directories (searched for ``*.jsonl`` and ``*.txt``) or ``-``.
        bank: the question bank.
        backend: the grader.
        question_id: the question of plain-text transcripts (else matched by wording).
        stdin_text: what standard input held, when ``-`` is among the sources.

    Returns:
        The report; ``errors`` holds one line per transcript that could not be reported.
    """
    files, errors = discover(sources)
    sessions: list[SessionReport] = []
    for source in files:
        try:
            convo = read_conversation(source, stdin_text)
            rubric = resolve_rubric(convo, bank, question_id)
        except InputError as exc:
            errors.append(str(exc))
            continue
        sessions.append(regrade(convo, rubric, backend, f"s{len(sessions) + 1}"))
    return ReplayReport(
        followup_version=__version__,
        grader=backend.name,
        model=backend.model,
        sessions=sessions,
        cohort=build_cohort(sessions) if len(sessions) > 1 else None,
        errors=errors,
    )
