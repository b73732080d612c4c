"""agent.text: what is safe to print on a terminal, and plain words from model markup."""

from __future__ import annotations

import pytest

from agent.text import plain, strip_markup


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b[2Jb\x1b[31mc\x1b[0m", "abc"),  # clear screen, colour
        ("x\x1b]0;new title\x07y", "xy"),  # OSC: the window title, payload and all
        ("x\x1b]8;;http://e.test\x1b\\link\x1b]8;;\x1b\\y", "xlinky"),  # OSC 8 hyperlink
        ("x\x1bP1$r\x1b\\y", "xy"),  # DCS string
        ("\x9b2Jz", "z"),  # 8-bit CSI
        ("e\x1bcf", "ef"),  # ESC c: full reset
        ("left \x1b[D\x1b[D\x1b[A up", "left  up"),  # arrow keys typed into a plain read
        ("a\u202eb\u2066c", "abc"),  # bidirectional overrides
        ("bell\x07 and nul\x00", "bell and nul"),
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("ünïcode, 中文, emoji 🎲", "ünïcode, 中文, emoji 🎲"),
    ],
)
def test_plain_removes_every_escape_and_control_code(raw: str, shown: str) -> None:
    assert plain(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("<script>alert(1)</script>Why?", "Why?"),
        ("<b>Why</b> does <i>bagging</i> help?", "Why does bagging help?"),
        ("**Why** does `max_depth` matter?", "Why does max_depth matter?"),
        ("# Probe\n- What would you ship?", "Probe What would you ship?"),
        ("&lt;script&gt;x&lt;/script&gt;Why?", "Why?"),  # entities are not a way around it
        ("Is n < 5 and k > 3 a problem?", "Is n < 5 and k > 3 a problem?"),
        ("<style>p{}</style>\x1b[31mWhat?\x1b[0m", "What?"),
    ],
)
def test_strip_markup_leaves_the_words(raw: str, shown: str) -> None:
    assert strip_markup(raw) == shown
