"""The numbers the calibration reads from one graded answer, per dimension.

All general (nothing about any one question): the rule grader's own score on every dimension,
how many of the rubric's points of this dimension were made (solid, senior, hedged), whether a
misconception was stated, and the shape of the answer (length, figures, how many sentences are
on the question's topic, how many carry each general signal: a story from real work, a
constraint, a decision, a cost, a condition, hedging).
"""

from __future__ import annotations

import math
import re

from agent.bank.cues import mentions
from agent.bank.rubric import DIMENSIONS, Dimension, Rubric
from agent.grading.grade import Grade
from agent.grading.offline import signals
from agent.grading.offline.reading import Reading, count_numbers, find_stories, point_hits

_SIGNALS = {
    name: getattr(signals, name)
    for name in (
        "NUMBER",
        "DOMAIN",
        "DATA_WORDS",
        "CONSTRAINT",
        "DECISION",
        "OUTCOME",
        "LIMIT",
        "COST_NOUN",
        "TRADEOFF_GESTURE",
        "STRONG_LIMIT",
        "CONDITION",
        "THIN_DEFINITION",
        "THIN_IMPLICATION",
        "PRACTICE",
        "REAL_WORK",
        "HYPOTHETICAL",
        "VAGUE_OUTCOME",
        "NON_ANSWER",
    )
}
_COPULA = re.compile(r"\b(is|are|means|refers to|basically|just)\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(I|we|our|my)\b")


def _answer_features(rubric: Rubric, reading: Reading, text: str) -> dict[str, float]:
    n = max(len(reading.sentences), 1)
    topic = [s for s in reading.sentences if mentions(rubric.compiled_terms, s.text)]
    stories = find_stories(reading)
    out = {
        "words": math.log1p(len(text.split())),
        "sentences": math.log1p(len(reading.sentences)),
        "on_topic_share": len(reading.on_topic) / n,
        "hedges_per_sentence": reading.hedges / n,
        "figures": math.log1p(count_numbers(text)),
        "topic_share": len(topic) / n,
        "topic_sentences": math.log1p(len(topic)),
        "defining_sentences": math.log1p(sum(1 for s in topic if _COPULA.search(s.text))),
        "first_person": math.log1p(len(_FIRST_PERSON.findall(text))),
        "questions": float(text.count("?")),
        "story_real": float(any(s.real_work for s in stories)),
        "story_hypothetical": float(any(not s.real_work for s in stories)),
    }
    for name, pattern in _SIGNALS.items():
        hits = sum(1 for s in reading.sentences if pattern.search(s.text))
        out[f"signal_{name.lower()}"] = math.log1p(hits)
    return out


def features(
    rubric: Rubric, reading: Reading, text: str, grade: Grade
) -> dict[Dimension, dict[str, float]]:
    """Per dimension, the calibration's inputs (the same names for every dimension)."""
    shared = _answer_features(rubric, reading, text)
    for dim in DIMENSIONS:
        shared[f"rule_{dim.value}"] = float(grade.get(dim).score)
    out: dict[Dimension, dict[str, float]] = {}
    for dim in DIMENSIONS:
        spec = rubric.dimension(dim)
        hits = point_hits(spec, reading.index, reading.hedges)
        score = grade.get(dim).score
        wrong = any(
            m.dimension == dim and reading.index.find(m.compiled) for m in rubric.misconceptions
        )
        out[dim] = {
            **shared,
            **{f"rule_is_{v}": float(score == v) for v in range(4)},
            "rule": float(score),
            "points_solid_2": float(sum(1 for p, _ in hits.solid if p.level == 2)),
            "points_solid_3": float(len(hits.senior)),
            "points_hedged": float(len(hits.hedged)),
            "points_needed": float(spec.need),
            "points_share": len(hits.solid) / max(len(spec.points), 1),
            "misconception": float(wrong),
        }
    return out
