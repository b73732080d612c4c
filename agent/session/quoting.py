"""Tie a bank probe to what the candidate actually said, by quoting them briefly.

The quote is the claim the probe is about: of the sentences the grade rests on, the one sharing
the most words with the probe ("You said 'I would add regularisation'. What does that fix cost
you?"). A probe about something the candidate never said gets no quote: an unrelated one reads
as if the interviewer had not listened.
"""

from __future__ import annotations

import re

from agent.bank.rubric import DIMENSIONS, Dimension
from agent.grading.grade import Grade
from agent.text import STOP_WORDS, content_words, plain

MAX_QUOTE_WORDS = 14
STEM_CHARS = 6
"""Words compare on their first six letters: "collecting" is "collect", "regularise" is
"regularisation" (crude, but a shared topic word is what matters here)."""
_PROBE_WORDS = STOP_WORDS | frozenset(
    """would could should might does did done make made take thing things something way ways
    think know mean say said tell first second another also really just still every much many
    walk through happen happened happens data model""".split()  # noqa: SIM905
)
"""Words any probe may use without being about anything the candidate said ("data" and
"model" are in nearly every answer about machine learning)."""


def short_quote(sentence: str, max_words: int = MAX_QUOTE_WORDS) -> str:
    """The start of a sentence, cut at a clause boundary where one falls in range."""
    sentence = " ".join(plain(sentence).split()).rstrip(".!?;:")
    words = sentence.split(" ")
    if len(words) <= max_words:
        return sentence
    head = " ".join(words[:max_words])
    cut = max(head.rfind(","), head.rfind(" - "), head.rfind(" because "), head.rfind(" so "))
    if cut > len(head) // 2:
        return head[:cut].rstrip(" ,") + " …"
    return head.rstrip(" ,") + " …"


def _stems(text: str) -> set[str]:
    return {w[:STEM_CHARS] for w in content_words(text, _PROBE_WORDS) if len(w) > 2}


def pick_quote(grade: Grade, target: Dimension, probe: str = "") -> str | None:
    """The candidate's words most worth picking at for a probe on ``target``.

    Of the sentences the grade rests on, the one sharing the most words with the probe; ties
    go to the thin attempt at the target itself, then to the better-scored dimension. None when
    no sentence shares a word with the probe (or, without a probe, when nothing was graded).
    """
    wanted = _stems(probe)
    others = sorted((d for d in DIMENSIONS if d != target), key=lambda d: -grade.get(d).score)
    best: tuple[tuple[int, int], str] | None = None
    for rank, dim in enumerate([target, *others]):
        for sentence in grade.get(dim).evidence:
            shared = len(wanted & _stems(sentence)) if probe else 1
            if shared and (best is None or (shared, -rank) > best[0]):
                best = ((shared, -rank), sentence)
    return short_quote(best[1]) if best else None


def with_quote(probe_text: str, quote: str | None) -> str:
    if not quote:
        return probe_text
    quote = re.sub(r'"', "'", plain(quote))
    return f'You said "{quote}". {probe_text}'
