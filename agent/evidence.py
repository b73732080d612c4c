"""Finding where an answer makes a rubric's point.

A point is made when every one of its groups matches inside one sentence, or inside a sentence
and the sentence right after it (people often split a claim: "Feature randomness matters. It
decorrelates the trees."). Only sentences that read as reasoning count (see ``is_real_sentence``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.text import Sentence


@dataclass(frozen=True)
class Hit:
    """Where a point (or misconception) was found: the sentences it rests on."""

    sentences: tuple[Sentence, ...]

    @property
    def first(self) -> Sentence:
        return self.sentences[0]


def _all_groups_match(groups: Sequence[Sequence[re.Pattern[str]]], text: str) -> bool:
    return all(any(p.search(text) for p in group) for group in groups)


def find(groups: Sequence[Sequence[re.Pattern[str]]], sentences: Sequence[Sentence]) -> Hit | None:
    """The first place the groups all match: one sentence, else a sentence and the next."""
    for s in sentences:
        if _all_groups_match(groups, s.text):
            return Hit((s,))
    for a, b in zip(sentences, sentences[1:], strict=False):
        if b.index == a.index + 1 and _all_groups_match(groups, a.text + " " + b.text):
            return Hit((a, b))
    return None


def mentions(terms: Sequence[re.Pattern[str]], text: str) -> bool:
    """True when any term matches the text."""
    return any(t.search(text) for t in terms)
