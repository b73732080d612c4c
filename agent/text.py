"""Small text helpers every layer uses: comparison keys, control characters, UTF-8 input."""

from __future__ import annotations


def flatten(text: str) -> str:
    """Case folded, runs of whitespace made single spaces: for verbatim comparisons."""
    return " ".join(text.split()).casefold()
