"""Tie a bank probe to what the candidate actually said, by quoting them briefly."""

from __future__ import annotations

import re

from agent.bank.rubric import DIMENSIONS, Dimension
from agent.grading.grade import Grade

MAX_QUOTE_WORDS = 14


def short_quote(sentence: str, max_words: int = MAX_QUOTE_WORDS) -> str:
    """The start of a sentence, cut at a clause boundary where one falls in range."""
    sentence = " ".join(sentence.split()).rstrip(".!?;:")
    words = sentence.split(" ")
    if len(words) <= max_words:
        return sentence
    head = " ".join(words[:max_words])
    cut = max(head.rfind(","), head.rfind(" - "), head.rfind(" because "), head.rfind(" so "))
    if cut > len(head) // 2:
        return head[:cut].rstrip(" ,") + " …"
    return head.rstrip(" ,") + " …"


def pick_quote(grade: Grade, target: Dimension) -> str | None:
    """The candidate's words most worth picking at for a probe on ``target``.

    The thin attempt at the target itself comes first ("you said it usually works well"); else
    the strongest thing they said on any dimension, which the probe then pushes past.
    """
    own = grade.get(target)
    if own.evidence:
        return short_quote(own.evidence[0])
    ranked = sorted(DIMENSIONS, key=lambda d: -grade.get(d).score)
    for dim in ranked:
        evidence = grade.get(dim).evidence
        if evidence:
            return short_quote(evidence[0])
    return None


def with_quote(probe_text: str, quote: str | None) -> str:
    if not quote:
        return probe_text
    quote = re.sub(r'"', "'", quote)
    return f'You said "{quote}". {probe_text}'
