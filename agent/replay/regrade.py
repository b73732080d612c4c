"""``followup replay``: re-grade saved or pasted transcripts without re-running them.

Each candidate answer is graded again by the chosen backend with the context it had (the line
it answered, the exchanges before it, the best scores and probes so far), and folded into a
fresh ``PolicyState`` by the same ``step`` as the live interview. After each answer the report
shows the probe the agent would ask now (``step(..., hypothetical=True)`` chooses it on a copy
of the state, so the hypothetical never leaks into what follows) beside the probe the
interviewer actually asked, which is then marked as asked. The conversation itself is never
changed: later answers are graded as given.

Replay is linear in the transcript's length: each answer is graded with the last
``CONTEXT_TURNS`` exchanges (all of them in any ordinary session), and what the state
remembers as asked stays bounded (see ``AskedSoFar``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from agent.bank.rubric import DIMENSIONS, Bank, Dimension, Rubric
from agent.errors import InputError
from agent.grading.backend import Assessment, Backend, Exchange
from agent.grading.grade import Grade
from agent.replay.cohort import build_cohort
from agent.replay.inputs import (
    MAX_TRANSCRIPT_MB,
    AskedProbe,
    Conversation,
    ConversationTurn,
    discover,
    read_conversation,
)
from agent.replay.model import DimensionResult, ReplayReport, SessionReport, TurnReport
from agent.replay.parallel import pregrade
from agent.replay.wording import ProbeMatcher, match_question
from agent.session.policy import Outcome, PolicyState, ProbeSource, Step, step
from agent.session.summary import OUTCOME_TEXT, summarize_grades
from agent.text import flatten
from agent.version import __version__

ENDS_OPEN = "the transcript ends here, before the agent would have ended the interview"
CONTEXT_TURNS = 24
"""Earlier exchanges a backend sees with each answer. A session is a handful of turns, so this
is all of them; in a transcript of thousands it keeps each request (and a model's prompt) the
same size however far in the answer is."""

Progress = Callable[[int, int], None]
"""Called after each answer with (answers re-graded, answers in all transcripts)."""


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
            line, column = convo.question_id_at
            raise InputError(
                f"{convo.source}:{line}:{column}: question {convo.question_id!r} is not in the "
                "question bank (see 'followup questions')"
            )
        if convo.question and flatten(convo.question) != flatten(rubric.question):
            convo.warnings.append(
                f"{convo.source}:{convo.question_line}:1: the recorded question is worded "
                f"differently from the bank's {rubric.id!r}; re-graded against the bank's rubric"
            )
        return rubric
    if question_id is not None:
        return bank.get(question_id)
    match = match_question(bank, convo.question)
    if match.rubric_id is None:
        raise InputError(
            f"{convo.source}:{convo.question_line}:1: cannot tell which question this is: "
            f"{match.problem}; name it with --question ID"
        )
    return bank.get(match.rubric_id)


def _recognised(matcher: ProbeMatcher, probe: AskedProbe) -> tuple[AskedProbe, str | None]:
    """The probe with its dimension filled in when the bank knows it, and its bank text.

    The bank text is what ``PolicyState.asked`` holds: the bank wording without the quote the
    agent puts in front, so a bank probe already asked is never suggested again. None for a
    line the bank does not know (the model's wording, or a human interviewer's own).
    """
    if probe.source == ProbeSource.MODEL:
        return probe, None
    found = matcher.match(probe.text)
    if found is None:
        return probe, None
    text, dim, source = found
    update = {"dimension": probe.dimension or dim, "source": probe.source or source}
    return probe.model_copy(update=update), text


class AskedSoFar:
    """What ``PolicyState.asked`` holds while a transcript is replayed, kept bounded.

    Every bank probe asked stays (the agent must never suggest one again); any other line (a
    model's wording, a human interviewer's own) stays while it is among the last
    ``CONTEXT_TURNS`` answers' probes, like the history a backend is shown. Asked twice, a
    line is held once. So the state, and the request built from it, are as large at the
    8,000th answer as at the 30th.
    """

    def __init__(self) -> None:
        self._bank: dict[str, None] = {}
        self._recent: deque[list[str]] = deque(maxlen=CONTEXT_TURNS)

    def add(self, bank: list[str], other: list[str]) -> list[str]:
        """Record one answer's probes; returns the new ``asked`` list."""
        self._bank.update(dict.fromkeys(bank))
        self._recent.append(other)
        recent = dict.fromkeys(t for texts in self._recent for t in texts if t not in self._bank)
        return [*self._bank, *recent]


def _mark_asked(
    matcher: ProbeMatcher, state: PolicyState, turn: ConversationTurn, asked: AskedSoFar
) -> list[AskedProbe]:
    """Record the probes actually asked after an answer (and any skips) in the state."""
    probes, bank, other = [], [], []
    for line in turn.probes_after:
        probe, base = _recognised(matcher, line)
        probes.append(probe)
        if base is None:
            other.append(probe.text)
        else:
            bank.append(base)
        if probe.skipped and probe.dimension is not None:
            state.put_aside(probe.dimension)
    state.asked = asked.add(bank, other)
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
    convo: Conversation,
    rubric: Rubric,
    backend: Backend,
    session_id: str,
    on_answer: Callable[[], None] | None = None,
) -> SessionReport:
    """Re-grade every answer of a conversation and build its report.

    Args:
        on_answer: called after each answer is re-graded.
    """
    state = PolicyState()
    matcher = ProbeMatcher(rubric)
    asked = AskedSoFar()
    history: deque[Exchange] = deque(maxlen=CONTEXT_TURNS)
    grades: list[Grade] = []
    whole: list[Grade | None] = []
    turns: list[TurnReport] = []
    max_turns = _max_turns(convo)
    answered: Dimension | None = None  # what the line being answered targets (None: question)
    for n, turn in enumerate(convo.turns, start=1):
        request = state.request(turn.answer, turn.asked, list(history), follow_up=n > 1)
        assessment = backend.assess(rubric, request)
        after = step(rubric, state, assessment, answered, max_turns, hypothetical=True)
        grades.append(assessment.grade)
        whole.append(assessment.conversation)
        probes = _mark_asked(matcher, state, turn, asked)
        turns.append(_turn_report(n, turn, answered, assessment, after, probes, state))
        history.append(Exchange(asked=turn.asked, answer=turn.answer))
        if probes:
            answered = probes[-1].dimension
        if on_answer is not None:
            on_answer()
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


def _counter(progress: Progress | None, total: int) -> Callable[[], None] | None:
    """A per-answer callback that tells ``progress`` (done, total)."""
    if progress is None:
        return None
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        progress(done, total)

    return tick


def replay(
    sources: Sequence[str],
    bank: Bank,
    backend: Backend,
    question_id: str | None = None,
    stdin_text: str | None = None,
    *,
    max_bytes: int = MAX_TRANSCRIPT_MB * 10**6,
    progress: Progress | None = None,
) -> ReplayReport:
    """Re-grade every transcript found under ``sources``; one bad file never stops the rest.

    Every transcript is read first (so the answers to re-grade are counted), then re-graded;
    the offline grader grades a long replay's answers in parallel first (``agent.replay.parallel``).

    Args:
        sources: files, directories (searched for ``*.jsonl`` and ``*.txt``) or ``-``.
        bank: the question bank.
        backend: the grader.
        question_id: the question of plain-text transcripts (else matched by wording).
        stdin_text: what standard input held, when ``-`` is among the sources.
        max_bytes: a larger transcript is refused (reported as an error) before it is read.
        progress: told (done, total) as answers are graded.

    Returns:
        The report; ``errors`` holds one line per transcript that could not be reported.
    """
    files, errors = discover(sources)
    found: list[tuple[Conversation, Rubric]] = []
    for source in files:
        try:
            convo = read_conversation(source, stdin_text, max_bytes)
            found.append((convo, resolve_rubric(convo, bank, question_id)))
        except InputError as exc:
            errors.append(str(exc))
    work = [(rubric, [turn.answer for turn in convo.turns]) for convo, rubric in found]
    graded = pregrade(backend, work, progress=progress)
    tick = _counter(progress, sum(len(answers) for _, answers in work))
    sessions = [
        regrade(convo, rubric, graded, f"s{n}", tick if graded is backend else None)
        for n, (convo, rubric) in enumerate(found, start=1)
    ]
    return ReplayReport(
        followup_version=__version__,
        grader=backend.name,
        model=backend.model,
        sessions=sessions,
        cohort=build_cohort(sessions) if len(sessions) > 1 else None,
        errors=errors,
    )
