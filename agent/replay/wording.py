"""Matching free wording to the bank: which question a pasted transcript asks, which probe a
line is.

Deliberately simple and deterministic: both sides are reduced to content words (lower case,
stop words dropped, a plural ``s`` stripped) and scored by how many of the bank text's words the
transcript's line contains. A line that wraps the question in small talk ("Let's start: how does
a random forest work...") still matches, and no model or corpus statistics are involved, so the
same transcript always resolves the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from agent.bank.rubric import DIMENSIONS, Bank, Dimension, Rubric
from agent.models import Frozen
from agent.session.policy import ProbeSource
from agent.text import content_words, flatten

MIN_QUESTION_MATCH = 0.6
"""Share of a bank question's content words a transcript's opening line must contain."""
MIN_MARGIN = 0.15
"""How far the best question must lead the runner-up to count as unambiguous."""
MIN_PROBE_MATCH = 0.7


def coverage(reference: str, text: str) -> float:
    """Share of ``reference``'s content words that ``text`` contains (0.0 to 1.0)."""
    wanted = content_words(reference)
    if not wanted:
        return 0.0
    return len(wanted & content_words(text)) / len(wanted)


class QuestionMatch(Frozen):
    """The outcome of matching an opening line to the bank."""

    rubric_id: str | None
    """The matched question, or None when no question matched clearly enough."""
    problem: str = ""
    """Why nothing matched (too low, or ambiguous), for the error message."""


def match_question(bank: Bank, text: str) -> QuestionMatch:
    """The bank question a transcript's opening line asks.

    Returns a match only when the best question reaches ``MIN_QUESTION_MATCH`` and leads the
    runner-up by ``MIN_MARGIN``; otherwise says why, naming the closest ids.
    """
    scored = sorted(
        ((coverage(r.question, text), r.id) for r in bank.rubrics.values()),
        key=lambda pair: (-pair[0], pair[1]),
    )
    if not scored:
        return QuestionMatch(rubric_id=None, problem="the question bank is empty")
    best_score, best_id = scored[0]
    if best_score < MIN_QUESTION_MATCH:
        return QuestionMatch(
            rubric_id=None,
            problem=f"it matches no bank question closely enough (closest: {best_id}, "
            f"{best_score:.0%} of its words)",
        )
    if len(scored) > 1 and best_score - scored[1][0] < MIN_MARGIN:
        return QuestionMatch(
            rubric_id=None,
            problem=f"it matches more than one bank question ({best_id}, {scored[1][1]})",
        )
    return QuestionMatch(rubric_id=best_id)


def bank_probes(rubric: Rubric) -> Iterable[tuple[str, Dimension, ProbeSource]]:
    """Every probe of a question: basic probes by dimension, then the senior-layer ones."""
    for dim in DIMENSIONS:
        for text in rubric.dimension(dim).probes:
            yield text, dim, ProbeSource.BANK
    for senior in rubric.senior_probes:
        yield senior.text, senior.dimension, ProbeSource.SENIOR


class ProbeMatcher:
    """Which bank probe an interviewer's line asks, for one question.

    The bank's side (flattened texts, content words) is worked out once, and each distinct line
    is matched once: a long transcript asks the same few probes again and again.
    """

    def __init__(self, rubric: Rubric) -> None:
        self._probes = [
            (probe, flatten(probe[0]), content_words(probe[0])) for probe in bank_probes(rubric)
        ]
        self._seen: dict[str, tuple[str, Dimension, ProbeSource] | None] = {}

    def match(self, line: str) -> tuple[str, Dimension, ProbeSource] | None:
        """The bank probe ``line`` asks, if any (see ``match_probe``)."""
        if line not in self._seen:
            self._seen[line] = self._match(line)
        return self._seen[line]

    def _match(self, line: str) -> tuple[str, Dimension, ProbeSource] | None:
        said = flatten(line)
        for probe, flat, _ in self._probes:
            if flat in said:
                return probe
        words = content_words(line)
        best, share = None, 0.0
        for probe, _, wanted in self._probes:
            found = len(wanted & words) / len(wanted) if wanted else 0.0
            if found > share:
                best, share = probe, found
        return best if share >= MIN_PROBE_MATCH else None


def match_probe(rubric: Rubric, line: str) -> tuple[str, Dimension, ProbeSource] | None:
    """The bank probe an interviewer's line asks, if any.

    A line that contains a bank probe verbatim (the agent prefixes a quote of the candidate) is
    that probe; otherwise the probe whose words the line covers best, if it reaches
    ``MIN_PROBE_MATCH`` (the first such probe on a tie).
    """
    return ProbeMatcher(rubric).match(line)
