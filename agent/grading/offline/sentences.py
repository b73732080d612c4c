"""Turning a raw answer into sentences the grader can reason about.

Every sentence keeps its character offsets into the cleaned answer, so evidence quoted in a
grade is always a verbatim span of what the candidate typed (after control characters are
replaced by spaces).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.text import CONTROL

MAX_GRADED_CHARS = 12_000
"""Answers longer than this are graded on their first 12,000 characters (a pasted essay)."""

# Sentence punctuation ends a sentence, except after a list number ("1.") or an abbreviation.
_NOT_AN_END = r"(?<!\n\d\.)(?<!\n\d\d\.)(?<!^\d\.)" + "".join(
    rf"(?<!\b{re.escape(a)})" for a in ("e.g.", "i.e.", "eg.", "vs.", "cf.", "approx.", "incl.")
)
_SENTENCE_END = re.compile(
    r"(?<=[.!?;])" + _NOT_AN_END + r"[\"')\]]*\s+|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)|\n",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)?%?")

FUNCTION_WORDS = frozenset(
    """a an the is are was were be been being it its this that these those to of in on for with
    by at from as and or but so because if when then than which who what how why whether not no
    do does did done have has had can could would should will may might must i we you they he
    she my our your their me us them there here into over under about after before while until
    also only just very more most less much many one each every any some all both either neither
    makes make made means mean get gets got use uses used using helps help lets let
    doesn't don't isn't aren't won't can't cannot wasn't weren't it's that's there's what's
    i'd i'm i've we'd we're we've you'd you're they're""".split()  # noqa: SIM905
)

HEDGES = re.compile(
    r"\b(maybe|perhaps|probably|possibly|(?<!way )i think|i guess|i believe|kind of|sort of|"
    r"not sure|i'm not certain|if i remember|roughly speaking|more or less|i dunno|no idea|"
    r"not really sure)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    """One sentence of the answer, with its offsets into the cleaned text."""

    index: int
    start: int
    end: int
    text: str

    @property
    def words(self) -> list[str]:
        return _WORD.findall(self.text)


def clean(answer: str, cap: int = MAX_GRADED_CHARS) -> tuple[str, bool]:
    """Replace control characters with spaces and cap the length.

    Returns:
        The cleaned text and whether it was truncated.
    """
    text = CONTROL.sub(" ", answer.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > cap:
        return text[:cap], True
    return text, False


_SOFT_WRAP = re.compile(
    r"(?<=[^.!?;:\n])[ \t]*\n(?=[ \t]*(?:[a-z(]|\d(?!\d*[.)]\s)))|(?<=,)[ \t]*\n(?=[ \t]*\S)"
)


def split_sentences(text: str) -> list[Sentence]:
    """Split cleaned text into sentences, keeping offsets.

    Bullets and lines count as sentences, except a hard-wrapped line: a line break that follows
    no sentence punctuation and is followed by a lowercase word (or follows a comma) continues
    the sentence. Boundaries are found on a copy where such breaks are spaces; the sentence text
    is sliced from the original, so it stays verbatim.
    """
    unwrapped = _SOFT_WRAP.sub(lambda m: " " * len(m.group(0)), text)
    sentences: list[Sentence] = []
    pos = 0
    for boundary in [*_SENTENCE_END.finditer(unwrapped), None]:
        end = boundary.start() if boundary else len(text)
        chunk = text[pos:end]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            bullet = re.match(r"(?:[-*•]|\d+[.)])\s+", stripped)
            if bullet:
                lead += bullet.end()
                stripped = stripped[bullet.end() :]
            if stripped:
                start = pos + lead
                sentences.append(Sentence(len(sentences), start, start + len(stripped), stripped))
        if boundary is None:
            break
        pos = boundary.end()
    return sentences


_LIST_SEPARATOR = re.compile(r"(?<!\d),(?!\d)|[/|]")
_COPULA = re.compile(r"\b(is|are|was|were|means)\b|['’]s\b|\s=\s?|\s?=\s", re.IGNORECASE)
_FORMULA = re.compile(r"\w\s*=\s*[\w(]|\w\s*/\s*\(?\w")


def is_real_sentence(sentence: Sentence) -> bool:
    """True when the sentence reads as reasoning rather than a bare list of terms.

    A buzzword list ("bagging, bootstrap, OOB, Gini, variance") has many short comma-separated
    fragments and almost no function words; a sentence that explains something has both words
    that carry content and the small words that connect them. Short claims count when they
    assert something ("That's underfitting.", "Precision = TP / (TP + FP)").
    """
    words = [w.lower().replace("’", "'") for w in sentence.words]
    function = sum(1 for w in words if w in FUNCTION_WORDS)
    if len(words) < 4:
        asserts = _COPULA.search(sentence.text) or _FORMULA.search(sentence.text)
        return len(words) >= 2 and bool(asserts)
    fragments = [f for f in _LIST_SEPARATOR.split(sentence.text) if f.strip()]
    if function < 1 and not _FORMULA.search(sentence.text):
        # "CatBoost handles categorical features." is a claim; "bagging, OOB, Gini" is not.
        return len(fragments) == 1 and len(words) <= 12
    if len(fragments) >= 4:
        short = sum(1 for f in fragments if len(_WORD.findall(f)) <= 3)
        if short / len(fragments) >= 0.7 and function / len(words) < 0.25:
            return False
    return function / len(words) >= 0.08 or bool(_FORMULA.search(sentence.text))


def hedge_count(text: str) -> int:
    """How many hedging phrases the text holds ("I think", "maybe", "kind of")."""
    return len(HEDGES.findall(text))
