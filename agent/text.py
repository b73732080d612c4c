"""Small text helpers every layer uses: comparison keys, control characters, UTF-8 input."""

from __future__ import annotations

import html
import re

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
"""Control characters (C0 but tab and newline, DEL, C1) and invisible format characters."""
ANSI = re.compile(
    r"\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?"  # OSC (window title, hyperlinks, clipboard)
    r"|\x1b[PX^_][^\x1b\n]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]"  # CSI (7-bit and 8-bit)
    r"|\x1b[ -/]*[0-~]"  # the short ones: ESC c, ESC 7, ESC ( B, ...
)
"""Terminal escape sequences, with the payload of the string-carrying ones (OSC, DCS)."""
BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Bidirectional controls, which reorder what a terminal shows ("Trojan Source")."""
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.DOTALL)
_MARKDOWN = re.compile(r"\*\*|__|`+|^\s{0,3}(?:#{1,6}|>|[-*+])\s+", re.MULTILINE)


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
    """Text safe to print on a terminal: escape sequences and control characters removed.

    Tabs and newlines stay; so does everything printable. Used on every string that did not
    come from followup itself (answers, model text, transcripts) before it is printed or stored.
    """
    return BIDI.sub("", CONTROL.sub("", ANSI.sub("", str(text))))


def strip_markup(text: str) -> str:
    """Plain words from text a model may have dressed up: HTML (scripts whole), Markdown marks,
    entities, escape sequences and control characters removed, whitespace made single spaces."""
    text = plain(html.unescape(plain(text)))
    text = _TAG.sub(" ", _SCRIPT.sub(" ", text))
    return " ".join(_MARKDOWN.sub("", text).split())


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
