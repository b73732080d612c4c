"""Reading an answer for the offline grader: usable sentences, rubric points found, stories.

Everything here describes what an answer contains; ``grader`` turns it into scores and
``features`` into the numbers the calibration reads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from agent.bank.cues import mentions
from agent.bank.rubric import DimensionRubric, Point, Rubric
from agent.grading.checks import ADDRESSES_GRADER
from agent.grading.offline import signals
from agent.grading.offline.evidence import Hit, JoinedIndex, SentenceIndex
from agent.grading.offline.sentences import (
    MAX_GRADED_CHARS,
    Sentence,
    clean,
    hedge_count,
    is_real_sentence,
    split_sentences,
)

HEAVY_HEDGING = 2
STORY_SPAN = 6  # sentences after the one that opens an example that still belong to it


@dataclass
class Reading:
    """An answer prepared for grading: its usable sentences and what was set aside."""

    sentences: list[Sentence]
    on_topic: list[Sentence]
    index: SentenceIndex
    hedges: int
    follow_up: bool
    notes: list[str] = field(default_factory=list)
    breaks: frozenset[int] = frozenset()
    """Indices of the sentences that open a later answer of the conversation: a story from one
    answer never runs on into the next."""
    span: int = 0
    """How many sentences the text split into, usable or not (where the next answer's start)."""


def read(
    rubric: Rubric, answer: str, follow_up: bool = False, cap: int = MAX_GRADED_CHARS
) -> Reading:
    text, truncated = clean(answer, cap)
    notes: list[str] = []
    if truncated:
        notes.append(f"answer is {len(answer):,} characters; graded the first {len(text):,}")
    usable: list[Sentence] = []
    ignored = 0
    split = split_sentences(text)
    for sentence in split:
        if ADDRESSES_GRADER.search(sentence.text):
            ignored += 1
            continue
        if is_real_sentence(sentence):
            usable.append(sentence)
    if ignored:
        notes.append(f"ignored {ignored} sentence(s) addressed to the grader")
    # A reply to a probe is about the question even when it says "it" instead of its name.
    on_topic = (
        usable if follow_up else [s for s in usable if mentions(rubric.compiled_terms, s.text)]
    )
    hedges = sum(hedge_count(s.text) for s in usable)
    return Reading(
        usable, on_topic, SentenceIndex(usable), hedges, follow_up, notes, span=len(split)
    )


def join(parts: Sequence[Reading]) -> Reading:
    """The answers of a conversation as one reading: every sentence on topic (they reply to the
    question and its probes), stories kept inside their answer, matches reused from each part."""
    sentences: list[Sentence] = []
    indexed: list[tuple[SentenceIndex, int]] = []
    breaks: set[int] = set()
    offset = 0
    for part in parts:
        if offset:
            breaks.add(offset)
        indexed.append((part.index, offset))
        sentences += [dataclasses.replace(s, index=s.index + offset) for s in part.sentences]
        offset += part.span
    index = JoinedIndex(sentences, indexed)
    hedges = sum(p.hedges for p in parts)
    return Reading(sentences, sentences, index, hedges, True, breaks=frozenset(breaks), span=offset)


def is_hedged(hit: Hit, answer_hedges: int) -> bool:
    """A point made inside heavy hedging, or inside a list of options, is only gestured at."""
    text = " ".join(s.text for s in hit.sentences)
    hedges = hedge_count(text)
    if hedges >= HEAVY_HEDGING or (hedges and answer_hedges >= HEAVY_HEDGING + 1):
        return True
    return signals.lists_alternatives(text)


@dataclass
class PointHits:
    solid: list[tuple[Point, Hit]]
    hedged: list[tuple[Point, Hit]]

    @property
    def senior(self) -> list[tuple[Point, Hit]]:
        return [(p, h) for p, h in self.solid if p.level == 3]


def point_hits(
    dim: DimensionRubric,
    index: SentenceIndex,
    answer_hedges: int,
    within: Sequence[int] | None = None,
) -> PointHits:
    solid: list[tuple[Point, Hit]] = []
    hedged: list[tuple[Point, Hit]] = []
    for point in dim.points:
        hit = index.find(point.compiled, within=within)
        if hit is None:
            continue
        (hedged if is_hedged(hit, answer_hedges) else solid).append((point, hit))
    return PointHits(solid, hedged)


@dataclass(frozen=True)
class Story:
    sentences: tuple[Sentence, ...]
    real_work: bool

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


def find_stories(answer: Reading) -> list[Story]:
    """Candidate example blocks: a sentence that opens a case and the few after it."""
    stories: list[Story] = []
    usable = answer.sentences
    for i, s in enumerate(usable):
        real = bool(signals.REAL_WORK.search(s.text)) and not signals.NOT_EXPERIENCE.search(s.text)
        if not real and not signals.HYPOTHETICAL.search(s.text):
            continue
        block = [s]
        for nxt in usable[i + 1 : i + 1 + STORY_SPAN]:
            if nxt.index - block[-1].index > 2 or nxt.index in answer.breaks:
                break
            block.append(nxt)
        stories.append(Story(tuple(block), real))
    return stories


def count_numbers(text: str) -> int:
    """Distinct figures in a text (several around a decision usually mean it was measured)."""
    return len({m.group(0).strip().lower() for m in signals.NUMBER.finditer(text)})


def specifics(text: str) -> dict[str, bool]:
    return {
        "numbers": bool(signals.NUMBER.search(text)),
        "a domain": bool(signals.DOMAIN.search(text)),
        "a constraint": bool(signals.CONSTRAINT.search(text)),
        "a decision": bool(signals.DECISION.search(text)),
        "what happened": bool(signals.OUTCOME.search(text)),
    }
