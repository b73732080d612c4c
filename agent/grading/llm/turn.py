"""One model turn without the transport: the prompt, the reply schema, parsing, verification.

Kept apart from the OpenAI adapter so everything here is plain functions over the project's
own types (and tested without HTTP).

Trust but verify, the rules applied to every reply:

* **Evidence** counts only when it is a run of whole words of the candidate's newest answer
  (for the conversation's grades: of any one answer of the conversation), compared as word
  sequences, so case, whitespace and punctuation do not matter but a piece of a word never
  matches; is substantial (``MIN_QUOTE_WORDS`` words or ``MIN_QUOTE_CHARS`` characters: "it
  is" backs nothing); and does not itself talk to the grader (``ADDRESSES_GRADER``). Anything
  else is dropped. The system prompt states this rule with the same numbers.
* A **score above 1** left with no real evidence is capped at 1. A 1 without real evidence
  rests on the answer's first sentence that does not talk to the grader (the grade model
  requires some evidence); an answer with no such sentence gets 0. Each cap is
  recorded in the assessment's notes, which the transcript keeps. The conversation's grades
  are checked the same way.
* Every string of a reply is model text: control characters and escape sequences are removed
  from reasons and quotes, and a probe is stripped of markup too (HTML, scripts, Markdown marks);
  a probe with nothing sensible left (``MIN_PROBE_WORDS``) is dropped.
* A **probe** is kept only when it is a question (contains "?"), is not a repeat of one already
  asked, is at most ``MAX_PROBE_CHARS`` long, is about this question (it mentions one of the
  rubric's topic terms, or shares a content word of five letters or more, other than a cue word,
  with the question or with what the candidate has said; the rubric's dimension wording does
  not count, since "explain how photosynthesis works" shares "explain" with any definition
  rubric) and is about its dimension (a cue word from ``DIMENSION_CUES``, or a content word
  shared with that dimension's rubric text and bank probes). Otherwise it is dropped and the
  interview asks the bank's probe. (The interview also ignores a kept probe whose dimension
  is not the one the policy picked.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.bank.cues import mentions
from agent.bank.rubric import DIMENSIONS, Dimension, Rubric
from agent.errors import BackendError
from agent.grading.backend import SuggestedProbe, TurnRequest
from agent.grading.checks import ADDRESSES_GRADER
from agent.grading.grade import DimensionGrade, Grade
from agent.grading.llm.prompts import ANSWER_TAG, render
from agent.models import first_error
from agent.text import STOP_WORDS, content_words, flatten, plain, strip_markup

MIN_QUOTE_WORDS = 4
MIN_QUOTE_CHARS = 20
"""A quote backs a score when it has at least this many words or characters."""
MAX_PROBE_CHARS = 400
MIN_PROBE_WORDS = 3
FALLBACK_EVIDENCE_CHARS = 160
GRADER_NAME = "openai"

DIMENSION_CUES: dict[Dimension, re.Pattern[str]] = {
    Dimension.DEFINITION: re.compile(
        r"\b(defin\w*|what (is|are|does|exactly)|mean\w*|explain\w*|how (does|do|is|are)|"
        r"works?|work\w*|describe|precise\w*|exactly|concept|differ\w*|distinguish\w*)\b",
        re.IGNORECASE,
    ),
    Dimension.IMPLICATION: re.compile(
        r"\b(implica\w*|consequen\w*|chang\w*|affect\w*|impact\w*|in practice|matter\w*|"
        r"so what|mean for|means for|effect\w*|downstream|evaluat\w*|decid\w*|decision\w*|"
        r"what happens|why does|why would|influenc\w*|result\w* in)\b",
        re.IGNORECASE,
    ),
    Dimension.EXAMPLE: re.compile(
        r"\b(example\w*|case|project\w*|time when|a time|real|concrete\w*|production|"
        r"at work|instance|walk me through|experience\w*|dataset\w*|specific\w*|numbers?|"
        r"when did you|have you|you (used|built|saw|ran|shipped|worked|handled|did))\b",
        re.IGNORECASE,
    ),
    Dimension.TRADEOFF: re.compile(
        r"\b(trade[- ]?offs?|costs?|costly|downsides?|drawbacks?|limit\w*|when would you not|"
        r"not use|instead|price|risk\w*|worse|give up|avoid|expensive|cheaper|disadvantage\w*|"
        r"weakness\w*|fail\w*|break\w* down|pay|sacrific\w*|alternative\w*|versus|vs)\b",
        re.IGNORECASE,
    ),
}


# --- the prompt -------------------------------------------------------------------------------


class DimensionBrief(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    level2: str
    level3: str


class Said(BaseModel):
    """One answer of the conversation as the prompt shows it (``asked`` None: the question)."""

    model_config = ConfigDict(frozen=True)
    asked: str | None
    answer: str


@dataclass(frozen=True)
class TurnPrompt:
    """What one turn sends: the messages, and the reply schema they ask for.

    The messages are laid out for prefix caches (OpenAI's automatic prompt caching, vLLM's and
    llama.cpp's prefix caches): the system prompt (the same for every request), then the
    question's rubric (the same for every turn and every eval case of the question), then the
    conversation, one answer after another, so each turn's prompt begins with everything the
    previous turn's prompt held up to its answer; what changes every turn comes last.
    """

    messages: list[dict[str, str]]
    schema: dict[str, Any]

    def sent(self, schema_in_text: bool) -> list[dict[str, str]]:
        """The messages as sent: with the schema written out at the very end when the server
        does not carry it (``response_format`` rejected, or not one that enforces a schema)."""
        if not schema_in_text:
            return self.messages
        compact = json.dumps(self.schema, separators=(",", ":"))
        last = self.messages[-1]
        tail = f"\nReply with one JSON object only, fitting this JSON schema: {compact}\n"
        return [*self.messages[:-1], {**last, "content": last["content"] + tail}]


def _conversation(rubric: Rubric, request: TurnRequest) -> list[Said]:
    """Every answer in order, the newest last; the opening question is not repeated."""
    lines = [*((e.asked, e.answer) for e in request.history), (request.asked, request.answer)]
    return [
        Said(asked=None if flatten(asked) == flatten(rubric.question) else asked, answer=answer)
        for asked, answer in lines
    ]


def _asked_elsewhere(request: TurnRequest) -> list[str]:
    """Questions already asked that the conversation does not show (a probe passed on)."""
    shown = [flatten(e.asked) for e in request.history] + [flatten(request.asked)]
    return [t for t in request.already_asked if not any(flatten(t) in s for s in shown)]


def build_prompt(rubric: Rubric, request: TurnRequest) -> TurnPrompt:
    """The messages and reply schema for one turn (rendered from prompts/*.j2)."""
    system = render(
        "system.j2",
        answer_tag=ANSWER_TAG,
        min_words=MIN_QUOTE_WORDS,
        min_chars=MIN_QUOTE_CHARS,
    )
    dimensions = [
        DimensionBrief(
            name=d.value, level2=rubric.dimension(d).level2, level3=rubric.dimension(d).level3
        )
        for d in DIMENSIONS
    ]
    user = render(
        "turn.j2",
        question=rubric.question,
        dimensions=dimensions,
        interview=not request.scores_only,
        tie_order=", ".join(d.value for d in DIMENSIONS),
        conversation=_conversation(rubric, request),
        answer_tag=ANSWER_TAG,
        best={d.value: request.best.get(d, 0) for d in DIMENSIONS},
        set_aside=[d.value for d in request.set_aside],
        asked_elsewhere=_asked_elsewhere(request),
    )
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    return TurnPrompt(messages=messages, schema=reply_schema(scores_only=request.scores_only))


# --- the reply --------------------------------------------------------------------------------


class ReplyGrade(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    score: Annotated[int, Field(ge=0, le=3, strict=True)]
    evidence: list[str] = Field(default_factory=list)
    reason: str = ""
    """Asked for in an interview; eval's replies carry none."""


class ReplyGrades(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    definition: ReplyGrade
    implication: ReplyGrade
    example: ReplyGrade
    tradeoff: ReplyGrade

    def get(self, dim: Dimension) -> ReplyGrade:
        grade: ReplyGrade = getattr(self, dim.value)
        return grade


class ReplyProbe(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    dimension: Dimension
    text: str


class ModelReply(BaseModel):
    """What the model must return (validated whatever the server claims to enforce)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    grades: ReplyGrades
    """The newest answer on its own."""
    conversation: ReplyGrades | None = None
    """Every answer so far taken together (null on a first answer, absent in eval)."""
    probe: ReplyProbe | None = None
    """Null when no dimension is left to probe (all at 3 or set aside), absent in eval."""


def _grades_schema(reasons: bool) -> dict[str, Any]:
    grade: dict[str, Any] = {
        "type": "object",
        "properties": {
            "score": {"type": "integer", "enum": [0, 1, 2, 3]},
            "evidence": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        },
        "required": ["score", "evidence"],
        "additionalProperties": False,
    }
    if reasons:
        grade["properties"]["reason"] = {"type": "string"}
        grade["required"].append("reason")
    return {
        "grade": grade,
        "grades": {
            "type": "object",
            "properties": {d.value: {"$ref": "#/$defs/grade"} for d in DIMENSIONS},
            "required": [d.value for d in DIMENSIONS],
            "additionalProperties": False,
        },
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def reply_schema(scores_only: bool = False) -> dict[str, Any]:
    """The JSON schema sent as ``response_format`` (strict-mode compatible).

    One schema per kind of request, the same on every turn (OpenAI caches the schema as the
    start of the prompt): an interview turn's reply holds the newest answer's grades, the
    conversation's (null on a first answer) and the probe (null when nothing is left to probe);
    eval's reply (``scores_only``) holds the answer's scores and evidence only.
    """
    properties: dict[str, Any] = {"grades": {"$ref": "#/$defs/grades"}}
    if not scores_only:
        probe = {
            "type": "object",
            "properties": {
                "dimension": {"type": "string", "enum": [d.value for d in DIMENSIONS]},
                "text": {"type": "string"},
            },
            "required": ["dimension", "text"],
            "additionalProperties": False,
        }
        properties["conversation"] = _nullable({"$ref": "#/$defs/grades"})
        properties["probe"] = _nullable(probe)
    return {
        "type": "object",
        "$defs": _grades_schema(reasons=not scores_only),
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


class ReplyError(BackendError):
    """A reply that cannot be used as it is (worth asking again)."""


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def extract_json(content: str) -> object:
    """The JSON object in a reply: the whole text, a fenced block, or the first ``{...}``.

    Raises:
        ReplyError: no JSON object in the text.
    """
    text = content.strip()
    candidates = [text]
    candidates += [m.group(1).strip() for m in _FENCE.finditer(text)]
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    raise ReplyError("the reply is not JSON")


def parse_reply(content: str) -> ModelReply:
    """Parse and validate a reply.

    Raises:
        ReplyError: not JSON, or JSON that does not fit the schema.
    """
    raw = extract_json(content)
    try:
        return ModelReply.model_validate(raw)
    except ValidationError as exc:
        raise ReplyError(f"the reply does not fit the schema: {first_error(exc)}") from None


# --- verification -----------------------------------------------------------------------------


_WORD = re.compile(r"\w+")


def _words(text: str) -> str:
    """The text as its words only, case folded, one space apart (punctuation is dropped)."""
    return " ".join(_WORD.findall(text.casefold()))


NOT_IN_ANSWER = "is not in the answer"


def quote_problem(quote: str, answer: str) -> str | None:
    """Why a quote cannot back a score, or None when it can.

    The quote and the answer are compared as word sequences, padded with spaces so that only
    whole words match: "om fo" is not in "from food", "3,000 toys" is in "3 000 toys".
    """
    words = _words(quote)
    if f" {words} " not in f" {_words(answer)} " or not words:
        return NOT_IN_ANSWER
    if len(words.split()) < MIN_QUOTE_WORDS and len(words) < MIN_QUOTE_CHARS:
        return "is too short to back a score"
    if ADDRESSES_GRADER.search(words):
        return "talks to the grader"
    return None


def evidence_problem(quote: str, answers: Sequence[str]) -> str | None:
    """Why a quote cannot back a score given these answers (it must hold up in one of them)."""
    problems = [quote_problem(quote, answer) for answer in answers]
    if None in problems or not problems:
        return None
    found = [p for p in problems if p != NOT_IN_ANSWER]
    if found:
        return found[0]
    return NOT_IN_ANSWER if len(answers) == 1 else "is not in any answer"


def real_evidence(quotes: list[str], answers: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split a grade's quotes into those that back a score and those dropped."""
    kept: list[str] = []
    dropped: list[str] = []
    for quote in map(plain, quotes):
        if not quote.strip():
            continue
        (dropped if evidence_problem(quote, answers) else kept).append(quote.strip())
    return kept, dropped


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _opening_words(answers: Sequence[str]) -> str:
    """What a capped 1 rests on: the first sentence that does not talk to the grader."""
    for answer in answers:
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", answer.strip()):
            if sentence.strip() and not ADDRESSES_GRADER.search(sentence):
                return sentence.strip()[:FALLBACK_EVIDENCE_CHARS]
    return ""


def verify_grade(
    given: ReplyGrades, answers: Sequence[str], scope: str = ""
) -> tuple[Grade, list[str]]:
    """Grades with unbacked evidence dropped and unbacked scores capped.

    Args:
        given: the model's grades.
        answers: the answers the quotes must come from (one, or the whole conversation).
        scope: what the notes call these grades ("" for the newest answer's).
    """
    notes: list[str] = []
    grades: dict[Dimension, DimensionGrade] = {}
    start = _opening_words(answers)
    for dim in DIMENSIONS:
        grade = given.get(dim)
        kept, dropped = real_evidence(grade.evidence, answers)
        score, reason = grade.score, strip_markup(grade.reason)
        if score > 1 and not kept:
            if dropped:
                why = f'"{_short(dropped[0])}" {evidence_problem(dropped[0], answers)}'
            else:
                why = "no quote given"
            notes.append(f"{scope}{dim.value}: the model's {score} was capped at 1 ({why})")
            score, reason = 1, f"capped at 1: the model's evidence does not hold up. {reason}"
        if score >= 1 and not kept:
            if not start:
                score, reason = 0, f"nothing in the answer to quote. {reason}"
            else:
                kept = [start]
        reason = reason.strip()
        grades[dim] = DimensionGrade(score=score, evidence=kept if score else [], reason=reason)
    return Grade.from_dimensions(grades, GRADER_NAME, []), notes


_GENERIC = STOP_WORDS | frozenset(
    """about above after again against answer answers because before being below between
    candidate could does doing during every example exactly first other their there these
    thing things think those through under until what when where which while would should
    question questions really something""".split()  # noqa: SIM905
)


def _content_words(text: str) -> set[str]:
    """Words of five letters or more that say what a text is about (not generic ones)."""
    return {w for w in content_words(text, _GENERIC) if len(w) >= 5 and w.isalpha()}


def _is_cue(word: str) -> bool:
    return any(cue.search(word) for cue in DIMENSION_CUES.values())


def _dimension_words(rubric: Rubric, dim: Dimension) -> set[str]:
    spec = rubric.dimension(dim)
    return _content_words(" ".join([spec.meaning, spec.level2, spec.level3, *spec.probes]))


def _topic_words(rubric: Rubric, request: TurnRequest) -> set[str]:
    """Words that tie a probe to this question: from the question and the candidate's answers.

    Not the rubric's dimension wording (it is the same kind of text for every question), and
    not the cue words that say which dimension a probe is about ("explain", "works",
    "decision"): a probe sharing only those with the question is about something else.
    """
    said = [rubric.question, request.answer, *(e.answer for e in request.history)]
    return {w for w in _content_words(" ".join(said)) if not _is_cue(w)}


def check_probe(
    probe: ReplyProbe | None, rubric: Rubric, request: TurnRequest
) -> tuple[SuggestedProbe | None, str | None]:
    """The model's probe, cleaned, if it passes the checks (else None), and a note: why it was
    dropped, or that it was cleaned."""
    if probe is None:
        return None, None
    text = strip_markup(probe.text)
    asked = {flatten(t) for t in [*request.already_asked, request.asked]}
    words = _content_words(text)
    problem = None
    if len(text.split()) < MIN_PROBE_WORDS:
        problem = "nothing sensible left once markup and control codes are removed"
    elif "?" not in text:
        problem = "not a question"
    elif len(text) > MAX_PROBE_CHARS:
        problem = "too long"
    elif flatten(text) in asked:
        problem = "already asked"
    elif not (mentions(rubric.compiled_terms, text) or words & _topic_words(rubric, request)):
        problem = "nothing to do with the question"
    elif not (
        DIMENSION_CUES[probe.dimension].search(text)
        or words & _dimension_words(rubric, probe.dimension)
    ):
        problem = f"nothing to do with {probe.dimension.value}"
    if problem:
        return None, f"the model's probe was replaced by a bank probe ({problem})"
    if text != " ".join(probe.text.split()):
        return SuggestedProbe(dimension=probe.dimension, text=text), (
            "markup or control codes were removed from the model's probe"
        )
    return SuggestedProbe(dimension=probe.dimension, text=text), None


@dataclass(frozen=True)
class Verified:
    """A reply after every check: what the assessment is built from."""

    grade: Grade
    conversation: Grade | None
    probe: SuggestedProbe | None
    notes: list[str]


NO_CONVERSATION = (
    "the model gave no grade of the whole conversation; each answer's own grade counts"
)


def verify(reply: ModelReply, rubric: Rubric, request: TurnRequest) -> Verified:
    """Apply every trust-but-verify rule to a parsed reply.

    On a first answer the conversation is that answer, so its grade is the conversation's; later,
    the conversation's quotes may come from any answer, each from one.
    """
    grade, notes = verify_grade(reply.grades, [request.answer])
    conversation: Grade | None = grade
    if request.history:
        if reply.conversation is None:
            conversation = None
            if not request.scores_only:
                notes.append(NO_CONVERSATION)
        else:
            said = [*(e.answer for e in request.history), request.answer]
            conversation, more = verify_grade(reply.conversation, said, "conversation ")
            notes += more
    probe, why = check_probe(reply.probe, rubric, request)
    if why:
        notes.append(why)
    return Verified(grade, conversation, probe, notes)
