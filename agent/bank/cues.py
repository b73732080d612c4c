"""Cue groups: the ways people phrase one part of a claim, compiled for speed and matched.

A group matches a sentence when any of its alternatives does. Alternatives are
case-insensitive Python regexes; a word boundary is added in front of an alternative that
starts with a word character, so ``recall`` does not fire inside ``precall``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


def _anchored(pattern: str) -> str:
    return r"\b" + pattern if pattern[:1].isalnum() or pattern[:1] == "_" else pattern


def compile_alternative(pattern: str) -> re.Pattern[str]:
    """Compile one cue alternative the way the grader uses it (case-insensitive, word-anchored)."""
    return re.compile(_anchored(pattern), re.IGNORECASE)


_META = set("\\.^$*+?{}[]()|")


def literal_prefix(alternative: str) -> str | None:
    """The lowercase literal text every match of the alternative starts with (3+ chars), if any.

    ``bootstrap\\w*`` gives ``bootstrap``; ``trees?`` gives ``tree``; ``(a|b)c`` gives None.
    """
    if "|" in alternative:  # a top-level alternation has no single prefix
        return None
    out: list[str] = []
    for ch in alternative:
        if ch in _META:
            if ch in "?*{" and out:
                out.pop()
            break
        out.append(ch)
    prefix = "".join(out).lower()
    return prefix if len(prefix) >= 3 else None


def literal_prefixes(alternative: str) -> tuple[str, ...] | None:
    """Literal texts one of which every match of the alternative starts with, if known.

    A plain prefix (``bootstrap\\w*``), or a leading group of plain words
    (``(older|staler) data`` gives ``older``, ``staler``).
    """
    single = literal_prefix(alternative)
    if single:
        return (single,)
    start = 3 if alternative.startswith("(?:") else 1
    if not alternative.startswith("(") or (start == 1 and alternative.startswith("(?")):
        return None
    close = alternative.find(")")
    inner = alternative[start:close]
    if (
        close < 0
        or any(ch in inner for ch in "()[]\\")
        or alternative[close + 1 : close + 2]
        in (
            "?",
            "*",
            "{",
        )
    ):
        return None
    found = [literal_prefix(part) for part in inner.split("|")]
    return tuple(p for p in found if p) if all(found) else None


@dataclass(frozen=True, eq=False)
class CueGroup:
    """A group of alternatives compiled for speed.

    Alternatives with a known literal start are compiled together and only run on a sentence
    that contains one of those starts (a substring test is far cheaper than the regex); the
    others are compiled into a second pattern that always runs.
    """

    filtered: re.Pattern[str] | None
    prefixes: tuple[str, ...]
    rest: re.Pattern[str] | None
    guard: bool = False
    """Every alternative is a whole-sentence guard (``^(?!...)``): it must hold in every
    sentence a two-sentence hit rests on, not just in one of them."""

    def search(self, text: str, lowered: str) -> bool:
        if (
            self.filtered is not None
            and any(p in lowered for p in self.prefixes)
            and self.filtered.search(text)
        ):
            return True
        return self.rest is not None and self.rest.search(text) is not None


def _join(alternatives: list[str]) -> re.Pattern[str] | None:
    if not alternatives:
        return None
    return re.compile("|".join(f"(?:{_anchored(a)})" for a in alternatives), re.IGNORECASE)


@functools.cache
def compile_group(alternatives: tuple[str, ...]) -> CueGroup:
    """One matcher that matches where any alternative of the group does (memoised)."""
    with_prefix: list[str] = []
    prefixes: list[str] = []
    rest: list[str] = []
    for alternative in alternatives:
        found = literal_prefixes(alternative)
        if found:
            with_prefix.append(alternative)
            prefixes.extend(found)
        else:
            rest.append(alternative)
    guard = all(a.startswith("^(?!") for a in alternatives)
    return CueGroup(_join(with_prefix), tuple(dict.fromkeys(prefixes)), _join(rest), guard)


def mentions(group: CueGroup, text: str) -> bool:
    """True when the group matches the text."""
    return group.search(text, text.lower())
