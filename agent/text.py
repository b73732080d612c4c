"""Small text helpers every layer uses: comparison keys, control characters, UTF-8 input."""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
"""Control characters (C0 but tab and newline, DEL, C1) and invisible format characters."""
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
"""Terminal escape sequences (CSI and the two-character ones)."""


STOP_WORDS_TEXT = """
    a about after again all also am an and any are as at be been before being both but by can
    could did do does doing done each for from had has have having he her here him his how i if
    in into is it its just let lets me more most my no of on once one only or other our out
    over own same she should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom
    why will with would you your yours ok okay well right sure start go tell
"""
STOP_WORDS = frozenset(STOP_WORDS_TEXT.split())
_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    """The text's words and numbers, lowercased, apostrophes dropped (``don't`` is ``dont``)."""
    return _TOKEN.findall(text.lower().replace("'", ""))


def content_words(text: str, stop: frozenset[str] = STOP_WORDS) -> frozenset[str]:
    """The words that carry meaning, normalised (``forests`` and ``Forest`` are one word)."""
    words = set()
    for word in tokens(text):
        if word in stop:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return frozenset(words)


def flatten(text: str) -> str:
    """Case folded, runs of whitespace made single spaces: for verbatim comparisons."""
    return " ".join(text.split()).casefold()


def plain(text: object) -> str:
    """Text safe to print on a terminal: escape sequences and control characters removed."""
    return CONTROL.sub("", ANSI.sub("", str(text)))


def repair_surrogates(text: str) -> str:
    """Undo surrogate escapes (bytes that were not UTF-8) so the text can be written as JSON."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def decode_utf8(data: bytes, source: str, error: type[Exception]) -> str:
    """Decode UTF-8, or raise ``error`` naming the source and where the first bad byte is.

    Raises:
        error: ``"<source>:<line>:<column>: not valid UTF-8 (byte 0xE9); save the file as
            UTF-8"``; the column counts characters from 1, as an editor does.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        raise error(
            f"{source}:{line}:{column}: not valid UTF-8 (byte 0x{data[exc.start]:02X}); "
            "save it as UTF-8"
        ) from exc
