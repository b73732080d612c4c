"""``followup replay``: re-grade saved or pasted transcripts without re-running them.

Each candidate answer is graded again by the chosen backend with the context it had (the line
it answered, the exchanges before it, the best scores and probes so far), and folded into a
fresh ``PolicyState`` exactly as the live interview does. After each answer the report shows the
probe the agent would ask now (``choose_probe`` on a copy of that state, so the hypothetical
never leaks into what follows) beside the probe the interviewer actually asked, which is then
marked as asked. The conversation itself is never changed: later answers are graded as given.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from agent import __version__
from agent.bank.rubric import DIMENSIONS, Bank, Dimension, Rubric, load_bank
from agent.grading.backend import Assessment, Backend, Exchange, TurnRequest
from agent.grading.grade import Grade
from agent.replay.cohort import build_cohort
from agent.replay.inputs import (
    STDIN,
    AskedProbe,
    Conversation,
    ConversationTurn,
    InputError,
    discover,
    read_conversation,
)
from agent.replay.model import DimensionResult, ReplayReport, SessionReport, TurnReport
from agent.replay.render import render
from agent.replay.wording import match_probe, match_question
from agent.session.interview import choose_probe
from agent.session.policy import Outcome, PolicyState, Probe, ProbeSource, outcome_after_answer
from agent.session.summary import OUTCOME_TEXT, summarize_grades
from agent.text import flatten

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


def _suggest(
    rubric: Rubric, state: PolicyState, assessment: Assessment, max_turns: int
) -> tuple[Probe | None, Outcome | None]:
    """What the agent would do after this answer: ask a probe, or end (and how)."""
    hypothetical = state.model_copy(deep=True)  # next_probe may set dimensions aside
    outcome = outcome_after_answer(hypothetical, max_turns)
    if outcome is not None:
        return None, outcome
    probe = choose_probe(rubric, hypothetical, assessment)
    return probe, None if probe is not None else Outcome.STALLED


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


def regrade(
    convo: Conversation, rubric: Rubric, backend: Backend, session_id: str
) -> SessionReport:
    """Re-grade every answer of a conversation and build its report."""
    state = PolicyState()
    history: list[Exchange] = []
    grades: list[Grade] = []
    turns: list[TurnReport] = []
    # A pasted mock interview may run longer than the agent's budget; judge it on its length.
    pasted = convo.format == "text"
    max_turns = max(convo.max_turns, len(convo.turns)) if pasted else convo.max_turns
    answered_dim: Dimension | None = None  # what the line being answered targets (None: question)
    for n, turn in enumerate(convo.turns, start=1):
        request = TurnRequest(
            answer=turn.answer,
            asked=turn.asked,
            history=list(history),
            best=dict(state.best),
            already_asked=list(state.asked),
            set_aside=list(state.set_aside),
            follow_up=n > 1,
        )
        assessment = backend.assess(rubric, request)
        state.record(assessment.grade, answered_dim)
        grades.append(assessment.grade)
        probe_now, would_end = _suggest(rubric, state, assessment, max_turns)
        probes = _mark_asked(rubric, state, turn)
        turns.append(
            TurnReport(
                turn=n,
                line=turn.line,
                asked=turn.asked,
                asked_dimension=answered_dim,
                answer=turn.answer,
                grades=_results(assessment.grade),
                recorded=turn.recorded.scores() if turn.recorded else None,
                fallback=assessment.fallback,
                notes=list(assessment.notes),
                probe_asked=probes[-1] if probes else None,
                probes_skipped=[p for p in probes[:-1] if p.skipped],
                probe_now=probe_now,
                would_end=would_end,
                best=dict(state.best),
            )
        )
        history.append(Exchange(asked=turn.asked, answer=turn.answer))
        if probes:
            answered_dim = probes[-1].dimension
    final = turns[-1].would_end if turns else None
    summary = summarize_grades(rubric, grades, state.best, final or Outcome.QUIT)
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


_SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".json": "json"}


def output_format(requested: str | None, output: Path | None) -> str:
    """The format asked for, else the one the output file's suffix names, else text."""
    if requested:
        return requested
    if output is not None:
        return _SUFFIX_FORMATS.get(output.suffix.lower(), "text")
    return "text"


def cmd_replay(
    args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO | None = None
) -> int:
    """Run ``followup replay``: exit 0, or 2 when any transcript could not be reported."""
    from agent.cli.app import UsageError, make_backend  # agent.cli.app imports this module

    err = stderr or sys.stderr
    bank = load_bank(args.rubrics)
    if args.question is not None and args.question not in bank.rubrics:
        bank.get(args.question)  # raises RubricError naming the known ids
    sources: list[str] = list(args.paths)
    stdin_text, stdin_errors = None, []
    if STDIN in sources:
        # Decode the bytes ourselves: a terminal's decoder may be strict or may smuggle bad
        # bytes through as surrogates, and either way the error should name the line.
        buffer = getattr(stdin, "buffer", None)
        try:
            raw = (
                buffer.read()
                if buffer is not None
                else stdin.read().encode("utf-8", "surrogateescape")
            )
            stdin_text = raw.decode("utf-8")
        except UnicodeError as exc:
            start = getattr(exc, "start", 0)
            line = raw[:start].count(b"\n") + 1 if isinstance(exc, UnicodeDecodeError) else 1
            stdin_errors.append(f"<stdin>:{line}: not valid UTF-8 (byte {start})")
            sources = [s for s in sources if s != STDIN]
    report = replay(sources, bank, make_backend(args), args.question, stdin_text)
    if stdin_errors:
        report = report.model_copy(update={"errors": stdin_errors + report.errors})
    for session in report.sessions:
        for warning in session.warnings:
            err.write(f"followup: warning: {warning}\n")
    for error in report.errors:
        err.write(f"followup: error: {error}\n")
    if report.sessions:
        fmt = output_format(args.format, args.output)
        text = render(report, fmt)
        if args.output is None:
            stdout.write(text)
        else:
            try:
                args.output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write {args.output}: {exc.strerror}") from exc
    return 2 if report.errors else 0


REPLAY_EPILOG = """\
inputs:
  JSONL transcripts written by 'followup chat' (a last line cut off by a crash is skipped
  with a warning), and plain-text transcripts with speaker lines 'Interviewer:' and
  'Candidate:' (or 'Q:' and 'A:'); a turn runs on until the next speaker line. The first
  interviewer turn is the question: it is matched to the bank by its wording, or named with
  --question ID. A line 'Date: YYYY-MM-DD' above the first speaker line dates a plain-text
  session (otherwise its file time is used).

formats:
  text  plain text for the terminal (default)
  md    Markdown, for a pull request, a gist or a notes app
  html  one self-contained page (inline CSS and SVG chart, no scripts, no external files),
        readable on a phone and printable
  json  the report's data, for scripts

cohort view (when more than one transcript is reported):
  transcripts carry no candidate name, so each file's candidate is the name of the directory
  holding it: keep COACH-DIR/<candidate>/<session files> and run
  'followup replay COACH-DIR'. Per candidate and question, the report shows how each
  dimension's best score moved from the first session to the last (in date order: session
  start, or the Date line or file time for plain text) and which dimension is missed most
  often (the lowest final score, counted across sessions) - what to practise next.

exit status:
  0 every transcript was reported; 2 some could not be (one error line each on stderr, the
  rest are still reported).
"""
