"""The deterministic offline grader: evidence against the question's rubric, not keywords.

How a score is reached, per dimension:

* Only *usable* sentences count: real sentences (not a bare list of terms) that do not talk to
  the grader. Text that addresses the grader is noted and otherwise ignored.
* **definition / implication**: the rubric's points. ``need`` points make a 2; a level-3 point
  plus ``need`` others make a 3; an on-topic attempt that makes no point is a 1. A point made
  inside heavy hedging ("I think maybe it's kind of...") counts as thin only.
* **example**: a story block (a sentence that opens an example and the three after it) that is
  about the topic, read for specifics: a domain, numbers, a constraint, a decision, an outcome.
  A vague "I used it and it worked" is a 1; a hypothetical case tops out at 2; a 3 is real work
  with numbers, a decision and what happened. The rubric's example points add credit for cases
  that show this concept at work.
* **tradeoff**: the rubric's tradeoff points, or a sentence that names a specific cost of this
  topic; a 3 ties the cost to a decision or condition.
* A misconception from the rubric caps its dimension at 1: a confidently wrong definition is
  not a 2, however much else is right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from agent import signals
from agent.evidence import Hit, SentenceIndex, mentions
from agent.grade import DimensionGrade, Grade
from agent.rubric import DIMENSIONS, Dimension, DimensionRubric, Point, Rubric
from agent.text import Sentence, clean, hedge_count, is_real_sentence, split_sentences

HEAVY_HEDGING = 2
STORY_SPAN = 3  # sentences after the one that opens an example that still belong to it


@dataclass
class _Answer:
    """An answer prepared for grading: its usable sentences and what was set aside."""

    sentences: list[Sentence]
    on_topic: list[Sentence]
    index: SentenceIndex
    notes: list[str] = field(default_factory=list)


def _prepare(rubric: Rubric, answer: str) -> _Answer:
    text, truncated = clean(answer)
    notes: list[str] = []
    if truncated:
        notes.append(f"answer is {len(answer):,} characters; graded the first {len(text):,}")
    usable: list[Sentence] = []
    ignored = 0
    for sentence in split_sentences(text):
        if signals.ADDRESSES_GRADER.search(sentence.text):
            ignored += 1
            continue
        if is_real_sentence(sentence):
            usable.append(sentence)
    if ignored:
        notes.append(f"ignored {ignored} sentence(s) addressed to the grader")
    on_topic = [s for s in usable if mentions(rubric.compiled_terms, s.text)]
    return _Answer(usable, on_topic, SentenceIndex(usable), notes)


def _spans(hits: Sequence[Hit]) -> list[str]:
    seen: dict[int, str] = {}
    for hit in hits:
        for s in hit.sentences:
            seen.setdefault(s.index, s.text)
    return [seen[i] for i in sorted(seen)]


def _hedged(hit: Hit) -> bool:
    return hedge_count(" ".join(s.text for s in hit.sentences)) >= HEAVY_HEDGING


@dataclass
class _PointHits:
    solid: list[tuple[Point, Hit]]
    hedged: list[tuple[Point, Hit]]

    @property
    def senior(self) -> list[tuple[Point, Hit]]:
        return [(p, h) for p, h in self.solid if p.level == 3]


def _point_hits(dim: DimensionRubric, index: SentenceIndex) -> _PointHits:
    solid: list[tuple[Point, Hit]] = []
    hedged: list[tuple[Point, Hit]] = []
    for point in dim.points:
        hit = index.find(point.compiled)
        if hit is None:
            continue
        (hedged if _hedged(hit) else solid).append((point, hit))
    return _PointHits(solid, hedged)


def _from_points(dim: DimensionRubric, hits: _PointHits) -> tuple[int, list[Hit], str] | None:
    """Score from the rubric's points alone; None when no point was made at all."""
    made = len(hits.solid)
    if made >= dim.need + 1 and hits.senior:
        said = "; ".join(p.says for p, _ in hits.senior[:1])
        return 3, [h for _, h in hits.solid], f"senior point made: {said}"
    if made >= dim.need:
        said = "; ".join(p.says for p, _ in hits.solid[:2])
        return 2, [h for _, h in hits.solid], f"makes the point: {said}"
    if made or hits.hedged:
        all_hits = hits.solid + hits.hedged
        why = "hedged" if hits.hedged and not hits.solid else f"needs {dim.need} points"
        return 1, [h for _, h in all_hits], f"partial ({why}): {all_hits[0][0].says}"
    return None


def _first(sentences: Sequence[Sentence], pattern: re.Pattern[str]) -> Sentence | None:
    for s in sentences:
        if pattern.search(s.text):
            return s
    return None


def _grade_conceptual(dim: Dimension, rubric: Rubric, answer: _Answer) -> DimensionGrade:
    spec = rubric.dimension(dim)
    scored = _from_points(spec, _point_hits(spec, answer.index))
    if scored is not None:
        score, hits, reason = scored
        return DimensionGrade(score=score, evidence=_spans(hits), reason=reason)
    cue = signals.THIN_DEFINITION if dim is Dimension.DEFINITION else signals.THIN_IMPLICATION
    attempt = _first(answer.on_topic, cue)
    if attempt is not None:
        return DimensionGrade(
            score=1, evidence=[attempt.text], reason=f"on topic but vague; a 2 needs: {spec.level2}"
        )
    return DimensionGrade(score=0, reason=f"not addressed; a 2 needs: {spec.level2}")


@dataclass(frozen=True)
class _Story:
    sentences: tuple[Sentence, ...]
    real_work: bool

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


def _stories(answer: _Answer) -> list[_Story]:
    stories: list[_Story] = []
    usable = answer.sentences
    for i, s in enumerate(usable):
        real = bool(signals.REAL_WORK.search(s.text))
        if not real and not signals.HYPOTHETICAL.search(s.text):
            continue
        block = [s]
        for nxt in usable[i + 1 : i + 1 + STORY_SPAN]:
            if nxt.index - block[-1].index > 1:
                break
            block.append(nxt)
        stories.append(_Story(tuple(block), real))
    return stories


def _specifics(text: str) -> dict[str, bool]:
    return {
        "numbers": bool(signals.NUMBER.search(text)),
        "a domain": bool(signals.DOMAIN.search(text)),
        "a constraint": bool(signals.CONSTRAINT.search(text)),
        "a decision": bool(signals.DECISION.search(text)),
        "what happened": bool(signals.OUTCOME.search(text)),
    }


def _grade_example(rubric: Rubric, answer: _Answer) -> DimensionGrade:
    spec = rubric.dimension(Dimension.EXAMPLE)
    hits = _point_hits(spec, answer.index)
    concept_points = [p for d in DIMENSIONS for p in rubric.dimension(d).points]
    best: tuple[int, _Story | None, str] = (0, None, "")
    for story in _stories(answer):
        inside = [s.index for s in story.sentences]
        relevant = mentions(rubric.compiled_terms, story.text) or any(
            answer.index.find(p.compiled, within=inside) for p in concept_points
        )
        if not relevant:
            continue
        have = _specifics(story.text)
        shown = [k for k, v in have.items() if v]
        story_points = [p for p, h in hits.solid if set(h.sentences) & set(story.sentences)]
        concrete = have["a domain"] and (
            have["numbers"] or have["a constraint"] or have["what happened"]
        )
        if story_points and len(shown) >= 1:
            concrete = True
        score = 2 if concrete else 1
        if (
            story.real_work
            and concrete
            and have["numbers"]
            and have["a decision"]
            and have["what happened"]
            and (have["a domain"] or have["a constraint"])
        ):
            score = 3
        elif story.real_work and concrete and any(p.level == 3 for p in story_points):
            score = 3 if have["numbers"] or have["what happened"] else 2
        if not story.real_work:
            score = min(score, 2)
        if hedge_count(story.text) >= HEAVY_HEDGING + 1:
            score = min(score, 1)
        kind = "from real work" if story.real_work else "hypothetical"
        detail = ", ".join(shown) if shown else "no specifics"
        reason = f"a case {kind} with {detail}"
        if score > best[0]:
            best = (score, story, reason)
    top_score, top_story, top_reason = best
    if top_story is not None:
        if top_score < 3:
            top_reason += f"; a 3 needs: {spec.level3}"
        evidence = [s.text for s in top_story.sentences]
        return DimensionGrade(score=top_score, evidence=evidence, reason=top_reason)
    scored = _from_points(spec, hits)
    if scored is not None:
        score, hit_list, why = scored
        return DimensionGrade(score=min(score, 2), evidence=_spans(hit_list), reason=why)
    return DimensionGrade(score=0, reason=f"no concrete case; a 2 needs: {spec.level2}")


def _grade_tradeoff(rubric: Rubric, answer: _Answer) -> DimensionGrade:
    spec = rubric.dimension(Dimension.TRADEOFF)
    hits = _point_hits(spec, answer.index)
    scored = _from_points(spec, hits)
    if scored is not None and scored[0] >= 2:
        score, hit_list, reason = scored
        if score == 2:
            tied = [
                h
                for _, h in hits.solid
                if any(
                    signals.CONDITION.search(s.text) and signals.DECISION.search(s.text)
                    for s in h.sentences
                )
            ]
            if tied and len(hits.solid) >= spec.need + 1:
                return DimensionGrade(
                    score=3,
                    evidence=_spans(hit_list),
                    reason=f"{reason}; tied to a decision and its condition",
                )
        return DimensionGrade(score=score, evidence=_spans(hit_list), reason=reason)
    generic = [
        s
        for s in answer.on_topic
        if signals.LIMIT.search(s.text) and signals.COST_NOUN.search(s.text)
    ]
    decided = [s for s in generic if signals.CONDITION.search(s.text)]
    if decided:
        return DimensionGrade(
            score=2,
            evidence=[decided[0].text],
            reason=f"names a cost and when it applies; a 3 needs: {spec.level3}",
        )
    if scored is not None:
        score, hit_list, reason = scored
        return DimensionGrade(score=score, evidence=_spans(hit_list), reason=reason)
    gesture = generic[:1] or [s for s in answer.on_topic if signals.LIMIT.search(s.text)][:1]
    if gesture:
        return DimensionGrade(
            score=1,
            evidence=[gesture[0].text],
            reason=f"gestures at a limit without a specific cost; a 2 needs: {spec.level2}",
        )
    return DimensionGrade(score=0, reason=f"no cost or limit; a 2 needs: {spec.level2}")


def _apply_misconceptions(
    rubric: Rubric, answer: _Answer, grades: dict[Dimension, DimensionGrade]
) -> None:
    for wrong in rubric.misconceptions:
        hit = answer.index.find(wrong.compiled)
        if hit is None:
            continue
        current = grades[wrong.dimension]
        evidence = [s.text for s in hit.sentences]
        grades[wrong.dimension] = DimensionGrade(
            score=min(current.score, 1),
            evidence=evidence + [e for e in current.evidence if e not in evidence],
            reason=f"states something wrong: {wrong.says}",
        )


class OfflineGrader:
    """Grades an answer against its rubric with no network and no model."""

    name = "offline"

    def grade(self, rubric: Rubric, answer: str) -> Grade:
        """Grade one answer on the four dimensions.

        Args:
            rubric: the question's rubric.
            answer: the candidate's answer, as typed (any length, any characters).
        """
        prepared = _prepare(rubric, answer)
        if not prepared.sentences:
            return Grade.empty(self.name, "no sentence to grade").model_copy(
                update={"notes": prepared.notes}
            )
        grades: dict[Dimension, DimensionGrade] = {
            Dimension.DEFINITION: _grade_conceptual(Dimension.DEFINITION, rubric, prepared),
            Dimension.IMPLICATION: _grade_conceptual(Dimension.IMPLICATION, rubric, prepared),
            Dimension.EXAMPLE: _grade_example(rubric, prepared),
            Dimension.TRADEOFF: _grade_tradeoff(rubric, prepared),
        }
        _apply_misconceptions(rubric, prepared, grades)
        return Grade.from_dimensions(grades, self.name, prepared.notes)
