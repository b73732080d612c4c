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

The scale's edge cases, the same for every grader and labeller (``prompts/scale.j2`` gives the
model these words, ``rubrics/README.md`` the rubric writers):

- Any phrasing or language counts; textbook terms are not needed.
- A bare list of terms, no claim linking them: at most 1 where it gestures, else 0.
- A confidently wrong claim: that dimension at most 1; only wrong content: 0.
- A correct point lost in hedging: 1, unless then stated with a reason.
- A worked hypothetical case: example at most 2; 3 needs real work with specifics. "I used it
  once and it worked": 1.
- Any concrete account of what happened is an example.
- One sentence may back two dimensions if it does both jobs.
- "It depends", "there are tradeoffs": tradeoff at most 1.
- Only what bears on the question asked counts.

How this grader meets them: it reads English only, so an answer in another language is
reported not graded (``language.py``), never scored; it knows a wrong claim only when the
rubric lists it as a misconception, so a wrong claim it does not know reads as a thin attempt
(1) rather than 0; a bare list of terms is skipped (0); a hypothetical case tops out at 2.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.bank.cues import mentions
from agent.bank.rubric import DIMENSIONS, Dimension, DimensionRubric, Rubric
from agent.grading.backend import Assessment, TurnRequest
from agent.grading.grade import DimensionGrade, Grade
from agent.grading.offline import signals
from agent.grading.offline.evidence import Hit
from agent.grading.offline.language import ENGLISH_ONLY, reads_as_english
from agent.grading.offline.reading import (
    HEAVY_HEDGING,
    PointHits,
    Reading,
    Story,
    count_numbers,
    find_stories,
    join,
    point_hits,
    read,
    specifics,
)
from agent.grading.offline.sentences import (
    MAX_GRADED_CHARS,
    Sentence,
    hedge_count,
)

# What a 3 takes on a rubric-scored dimension: (level-3 points, extra points beyond `need`,
# minimum points in all). Chosen on the tuning suites (scripts/grader_diff.py): a senior
# point touched in passing, with little else around it, is still a solid mid-level answer.
SENIOR_RULE: dict[Dimension, tuple[int, int, int]] = {
    Dimension.DEFINITION: (1, 2, 0),
    Dimension.IMPLICATION: (1, 2, 0),
    Dimension.EXAMPLE: (1, 1, 0),
    Dimension.TRADEOFF: (1, 2, 0),
}


def _spans(hits: Sequence[Hit]) -> list[str]:
    seen: dict[int, str] = {}
    for hit in hits:
        for s in hit.sentences:
            seen.setdefault(s.index, s.text)
    return [seen[i] for i in sorted(seen)]


@dataclass(frozen=True)
class _Scored:
    """A score from the rubric's points: the hits it rests on and the ids of those points."""

    score: int
    hits: list[Hit]
    reason: str
    points: list[str]


def _from_points(dim: DimensionRubric, hits: PointHits, which: Dimension) -> _Scored | None:
    """Score from the rubric's points alone; None when no point was made at all."""
    made = len(hits.solid)
    senior_points, extra, at_least = SENIOR_RULE[which]
    solid = [h for _, h in hits.solid]
    ids = [p.id for p, _ in hits.solid]
    if made >= max(dim.need + extra, at_least) and len(hits.senior) >= senior_points:
        said = "; ".join(p.says for p, _ in hits.senior[:1])
        return _Scored(3, solid, f"senior point made: {said}", ids)
    if made >= dim.need:
        said = "; ".join(p.says.rstrip(".") for p, _ in hits.solid[:2]) + "."
        return _Scored(2, solid, f"makes the point: {said}", ids)
    if made or hits.hedged:
        all_hits = hits.solid + hits.hedged
        why = "hedged" if hits.hedged and not hits.solid else f"needs {dim.need} points"
        reason = f"partial ({why}): {all_hits[0][0].says}"
        return _Scored(1, [h for _, h in all_hits], reason, [p.id for p, _ in all_hits])
    return None


def _graded(scored: _Scored) -> DimensionGrade:
    return DimensionGrade(
        score=scored.score,
        evidence=_spans(scored.hits),
        reason=scored.reason,
        points=scored.points,
    )


_QUESTION = re.compile(
    r"^(is|are|does|do|did|can|could|would|should|what|how|why|which|isn't|aren't|doesn't)\b.*\?$",
    re.IGNORECASE | re.DOTALL,
)


def _asks(text: str) -> bool:
    """A question back to the interviewer ("Is it something to do with bagging?"), not uptalk."""
    return bool(_QUESTION.match(text.strip()))


def _first(sentences: Sequence[Sentence], pattern: signals.Signal) -> Sentence | None:
    for s in sentences:
        if pattern.search(s.text):
            return s
    return None


def _grade_conceptual(
    dim: Dimension, rubric: Rubric, answer: Reading, taken: Sequence[str] = ()
) -> DimensionGrade:
    """Definition or implication, from the rubric's points.

    Args:
        taken: sentences already used as evidence of another dimension; they do not count as
            a vague attempt at this one (a definition with "so" in it is not an implication).
    """
    spec = rubric.dimension(dim)
    within = None
    if dim is Dimension.DEFINITION and not rubric.definition_in_stories:
        # The concept has to be stated, not inferred from what happened in a story.
        told = {
            x.index for story in find_stories(answer) if story.real_work for x in story.sentences
        }
        within = [x.index for x in answer.sentences if x.index not in told]
    scored = _from_points(spec, point_hits(spec, answer.index, answer.hedges, within), dim)
    if scored is not None:
        return _graded(scored)
    cue = signals.THIN_DEFINITION if dim is Dimension.DEFINITION else signals.THIN_IMPLICATION
    candidates = [s for s in answer.on_topic if s.text not in taken and not _asks(s.text)]
    attempt = _first(candidates, cue)
    if attempt is None and dim is Dimension.IMPLICATION and answer.on_topic:
        # What the candidate would do, in any sentence of an on-topic answer.
        rest = [
            s
            for s in answer.sentences
            if not _asks(s.text) and not signals.NON_ANSWER.search(s.text)
        ]
        attempt = _first(rest, signals.PRACTICE)
    if attempt is not None:
        return DimensionGrade(
            score=1, evidence=[attempt.text], reason=f"on topic but vague; a 2 needs: {spec.level2}"
        )
    return DimensionGrade(score=0, reason=f"not addressed; a 2 needs: {spec.level2}")


def _grade_example(rubric: Rubric, answer: Reading) -> DimensionGrade:
    spec = rubric.dimension(Dimension.EXAMPLE)
    hits = point_hits(spec, answer.index, answer.hedges)
    concept_points = [p for d in DIMENSIONS for p in rubric.dimension(d).points]
    best: tuple[int, Story | None, str] = (0, None, "")
    for story in find_stories(answer):
        inside = [s.index for s in story.sentences]
        relevant = (
            answer.follow_up
            or mentions(rubric.compiled_terms, story.text)
            or any(answer.index.find(p.compiled, within=inside) for p in concept_points)
        )
        if not relevant:
            continue
        have = specifics(story.text)
        shown = [k for k, v in have.items() if v]
        story_points = [
            p for p in spec.points if answer.index.find(p.compiled, within=inside) is not None
        ]
        specific = have["numbers"] or have["a constraint"]
        vague = bool(signals.VAGUE_OUTCOME.search(story.text)) and not have["numbers"]
        if story.real_work:
            grounded = have["numbers"] or (have["a constraint"] and have["a decision"])
            data = have["a domain"] or bool(signals.DATA_WORDS.search(story.text))
            concrete = grounded and (data or bool(story_points))
        else:
            concrete = have["a domain"] and (specific or have["a decision"] or bool(story_points))
        score = 2 if concrete and not vague else 1
        measured = have["what happened"] or count_numbers(story.text) >= 3
        if story.real_work and score == 2 and have["numbers"] and have["a decision"] and measured:
            score = 3
        elif story.real_work and score == 2 and any(p.level == 3 for p in story_points):
            score = 3 if have["numbers"] and have["what happened"] else 2
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
    scored = _from_points(spec, hits, Dimension.EXAMPLE)
    if scored is not None:
        # Example points made outside any story: an illustration, not a case. Thin (1) when
        # it carries its own specifics (a domain and a number), else nothing.
        spans = _spans(scored.hits)
        text = " ".join(spans)
        rich = bool(signals.DOMAIN.search(text) and signals.NUMBER.search(text))
        if rich:
            return DimensionGrade(
                score=1, evidence=spans, reason=f"in passing: {scored.reason}", points=scored.points
            )
    return DimensionGrade(score=0, reason=f"no concrete case; a 2 needs: {spec.level2}")


def _grade_tradeoff(rubric: Rubric, answer: Reading) -> DimensionGrade:
    spec = rubric.dimension(Dimension.TRADEOFF)
    hits = point_hits(spec, answer.index, answer.hedges)
    scored = _from_points(spec, hits, Dimension.TRADEOFF)
    if scored is not None and scored.score >= 2:
        if scored.score == 2:
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
                    evidence=_spans(scored.hits),
                    reason=f"{scored.reason}; tied to a decision and its condition",
                    points=scored.points,
                )
        return _graded(scored)
    generic = [
        s
        for s in answer.on_topic
        if signals.STRONG_LIMIT.search(s.text)
        and signals.COST_NOUN.search(s.text)
        and not signals.lists_alternatives(s.text)
        and hedge_count(s.text) < HEAVY_HEDGING
    ]
    decided = [s for s in generic if signals.CONDITION.search(s.text)]
    if decided:
        return DimensionGrade(
            score=2,
            evidence=[decided[0].text],
            reason=f"names a cost and when it applies; a 3 needs: {spec.level3}",
        )
    if scored is not None:
        return _graded(scored)
    near = answer.sentences if answer.on_topic else []
    gesture = generic[:1] or [s for s in near if signals.TRADEOFF_GESTURE.search(s.text)][:1]
    if gesture:
        return DimensionGrade(
            score=1,
            evidence=[gesture[0].text],
            reason=f"gestures at a limit without a specific cost; a 2 needs: {spec.level2}",
        )
    return DimensionGrade(score=0, reason=f"no cost or limit; a 2 needs: {spec.level2}")


def _apply_misconceptions(
    rubric: Rubric, answer: Reading, grades: dict[Dimension, DimensionGrade]
) -> None:
    """Cap at 1 a dimension whose answer states something confidently wrong."""
    for wrong in rubric.misconceptions:
        hit = answer.index.find(wrong.compiled)
        if hit is None:
            continue
        current = grades[wrong.dimension]
        wrong_spans = [s.text for s in hit.sentences]
        elsewhere = [e for e in current.evidence if e not in wrong_spans]
        grades[wrong.dimension] = DimensionGrade(
            score=min(current.score, 1),
            evidence=wrong_spans + elsewhere,
            reason=f"states something wrong: {wrong.says}",
        )


PART_CACHE = 64
"""Answers whose readings a grader keeps: a conversation window's worth, many times over."""


class OfflineGrader:
    """Grades an answer against its rubric with no network and no model."""

    name = "offline"

    def __init__(self) -> None:
        self._parts: dict[tuple[str, str], Reading] = {}

    def grade(self, rubric: Rubric, answer: str, follow_up: bool = False) -> Grade:
        """Grade one answer on the four dimensions.

        Args:
            rubric: the question's rubric.
            answer: the candidate's answer, as typed (any length, any characters).
            follow_up: the answer replies to a probe, so it is taken to be on the question's
                topic even where it does not name it.
        """
        if not reads_as_english(answer):
            return Grade.empty(self.name, "not graded: not English").model_copy(
                update={"notes": [ENGLISH_ONLY]}
            )
        if len(answer) > MAX_GRADED_CHARS:
            return self._grade(rubric, read(rubric, answer, follow_up))  # says it was cut
        reading = self._part(rubric, answer)  # the conversation's next grades reuse it
        if not follow_up:
            on_topic = [s for s in reading.sentences if mentions(rubric.compiled_terms, s.text)]
            reading = dataclasses.replace(reading, on_topic=on_topic, follow_up=False)
        return self._grade(rubric, reading)

    def grade_conversation(self, rubric: Rubric, answers: Sequence[str]) -> Grade:
        """Grade every answer of a conversation together, as one.

        A point made anywhere counts, and so does a claim split over the end of one answer and
        the start of the next; a story stays inside the answer that tells it.
        """
        english = [a for a in answers if reads_as_english(a)]
        if len(english) <= 1:
            return self.grade(rubric, english[0] if english else "", follow_up=len(answers) > 1)
        return self._grade(rubric, join([self._part(rubric, a) for a in english]))

    def _part(self, rubric: Rubric, answer: str) -> Reading:
        """One answer's reading (kept for the next turns, which read it again)."""
        key = (rubric.id, answer)
        found = self._parts.pop(key, None) or read(rubric, answer, follow_up=True)
        self._parts[key] = found
        if len(self._parts) > PART_CACHE:
            self._parts.pop(next(iter(self._parts)))
        return found

    def examine(self, rubric: Rubric, answer: str) -> tuple[Reading, Grade]:
        """The reading of an answer and its grade (scripts/train_grader.py learns from them)."""
        reading = read(rubric, answer)
        return reading, self._grade(rubric, reading)

    def _grade(self, rubric: Rubric, prepared: Reading) -> Grade:
        if not prepared.sentences:
            return Grade.empty(self.name, "no sentence to grade").model_copy(
                update={"notes": prepared.notes}
            )
        definition = _grade_conceptual(Dimension.DEFINITION, rubric, prepared)
        grades: dict[Dimension, DimensionGrade] = {
            Dimension.DEFINITION: definition,
            Dimension.IMPLICATION: _grade_conceptual(
                Dimension.IMPLICATION, rubric, prepared, taken=definition.evidence
            ),
            Dimension.EXAMPLE: _grade_example(rubric, prepared),
            Dimension.TRADEOFF: _grade_tradeoff(rubric, prepared),
        }
        _apply_misconceptions(rubric, prepared, grades)
        return Grade.from_dimensions(grades, self.name, prepared.notes)


CONVERSATION_WINDOW = 6
"""Answers the conversation picture reads together: the newest and the five before it (a
default session is six answers). Credit once earned stays: the policy keeps the best."""


class OfflineBackend:
    """The built-in default backend: the deterministic rubric grader. It does not word probes."""

    name = "offline"
    model: str | None = None

    def __init__(self) -> None:
        self._grader = OfflineGrader()

    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
        grade = self._grader.grade(rubric, request.answer, follow_up=request.follow_up)
        if not reads_as_english(request.answer):
            return Assessment(grade=grade, ungraded=ENGLISH_ONLY, notes=[ENGLISH_ONLY])
        if not request.history:
            return Assessment(grade=grade, conversation=grade)
        recent = request.history[-(CONVERSATION_WINDOW - 1) :]
        said = [*(e.answer for e in recent), request.answer]
        return Assessment(grade=grade, conversation=self._grader.grade_conversation(rubric, said))
