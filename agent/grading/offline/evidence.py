"""Finding where an answer makes a rubric's point.

A point is made when every one of its groups matches inside one sentence, or inside a sentence
and the sentence right after it (people often split a claim: "Feature randomness matters. It
decorrelates the trees."). Only sentences that read as reasoning are indexed (see
``is_real_sentence``). Each group is searched once per sentence and remembered, so the many
points of a rubric that share a group cost one search.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.bank.cues import CueGroup
from agent.grading.offline.sentences import Sentence, clean, is_real_sentence, split_sentences


@dataclass(frozen=True)
class Hit:
    """Where a point (or misconception) was found: the sentences it rests on."""

    sentences: tuple[Sentence, ...]

    @property
    def first(self) -> Sentence:
        return self.sentences[0]


class SentenceIndex:
    """The usable sentences of one answer, with memoised pattern matches."""

    def __init__(self, sentences: Sequence[Sentence]) -> None:
        self.sentences = list(sentences)
        self._pairs = [
            (a, b)
            for a, b in zip(self.sentences, self.sentences[1:], strict=False)
            if b.index == a.index + 1
        ]
        self._lowered = [s.text.lower() for s in self.sentences]
        self._where: dict[int, frozenset[int]] = {}

    def where(self, group: CueGroup) -> frozenset[int]:
        """Indices of the sentences the group matches in."""
        found = self._where.get(id(group))
        if found is None:
            found = frozenset(
                s.index
                for s, low in zip(self.sentences, self._lowered, strict=True)
                if group.search(s.text, low)
            )
            self._where[id(group)] = found
        return found

    def find(self, groups: Sequence[CueGroup], within: Iterable[int] | None = None) -> Hit | None:
        """The first place every group matches: one sentence, else a sentence and the next.

        Args:
            groups: one pattern per group.
            within: only consider these sentence indices (e.g. one story of the answer).
        """
        sets = [self.where(g) for g in groups]
        allowed = frozenset(within) if within is not None else None
        common = frozenset.intersection(*sets) if sets else frozenset()
        if allowed is not None:
            common &= allowed
        if common:
            first = min(common)
            return Hit(tuple(s for s in self.sentences if s.index == first))
        if not all(sets):
            return None
        for a, b in self._pairs:
            if allowed is not None and (a.index not in allowed or b.index not in allowed):
                continue
            if all(
                (a.index in s and b.index in s) if g.guard else (a.index in s or b.index in s)
                for g, s in zip(groups, sets, strict=True)
            ):
                return Hit((a, b))
        return None


class JoinedIndex(SentenceIndex):
    """The sentences of several answers as one index, reusing each answer's own matches.

    ``parts`` pairs each answer's index with the offset its sentence indices are shifted by,
    so a conversation re-read after every answer searches each sentence once, not every turn.
    """

    def __init__(
        self, sentences: Sequence[Sentence], parts: Sequence[tuple[SentenceIndex, int]]
    ) -> None:
        super().__init__(sentences)
        self._parts = list(parts)

    def where(self, group: CueGroup) -> frozenset[int]:
        found = self._where.get(id(group))
        if found is None:
            found = frozenset(i + off for part, off in self._parts for i in part.where(group))
            self._where[id(group)] = found
        return found


def index_text(text: str) -> SentenceIndex:
    """The usable sentences of a raw text (cleaned, split, lists of terms left out)."""
    cleaned, _ = clean(text)
    return SentenceIndex([s for s in split_sentences(cleaned) if is_real_sentence(s)])
