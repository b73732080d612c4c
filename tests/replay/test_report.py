"""The four output formats, each rendered from the same report; candidate text stays data."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from locations import FIXTURES as ALL_FIXTURES

from agent.bank.rubric import DIMENSIONS, Bank
from agent.grading.offline import OfflineBackend
from agent.replay.model import ReplayReport
from agent.replay.regrade import replay
from agent.replay.render import TEMPLATE_FOR, md_inline, md_quote, plain, render, render_template

FIXTURES = ALL_FIXTURES / "transcripts"
ATTACK = "<script>alert(1)</script>"


class Page(HTMLParser):
    """Collects what the page is made of: tags with attributes, text, style and svg content."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.svg_rects = 0
        self.svg_texts: list[str] = []
        self.style = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "rect" and "svg" in self.stack:
            self.svg_rects += 1
        if tag not in ("meta", "rect", "line", "br", "img", "link"):
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "rect" and "svg" in self.stack:
            self.svg_rects += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.stack and self.stack[-1] == "style":
            self.style += data
        if self.stack and self.stack[-1] == "text" and "svg" in self.stack:
            self.svg_texts.append(data)


@pytest.fixture
def coach_dir(tmp_path: Path) -> Path:
    """Two candidates; one answer carries a script tag, as a pasted transcript might."""
    alice = tmp_path / "coach" / "alice"
    bob = tmp_path / "coach" / "bob"
    alice.mkdir(parents=True)
    bob.mkdir(parents=True)
    shutil.copy(FIXTURES / "v1-random-forest.jsonl", alice / "1-chat.jsonl")
    (alice / "2-mock.txt").write_text(
        (FIXTURES / "plain-random-forest.txt")
        .read_text()
        .replace("If it's too slow to serve.", f"If it's too slow to serve. {ATTACK}")
    )
    (bob / "mock.txt").write_text(
        "Date: 2026-01-02\n"
        f"Interviewer: How does a random forest work, and when would you not use it? {ATTACK}\n"
        f"Candidate: Trees on bootstrap samples vote. {ATTACK}\n"
        "And \x1b[31mred\x1b[0m text & *stars* | pipes.\n"
    )
    return tmp_path / "coach"


@pytest.fixture
def report(bank: Bank, coach_dir: Path) -> ReplayReport:
    return replay([str(coach_dir)], bank, OfflineBackend())


def test_json_is_the_model(report: ReplayReport) -> None:
    text = render(report, "json")
    data = json.loads(text)
    assert data["version"] == 1 and len(data["sessions"]) == 3
    assert ReplayReport.model_validate_json(text) == report
    turn = data["sessions"][0]["turns"][0]
    assert {"answer", "grades", "probe_asked", "probe_now", "best", "would_end"} <= set(turn)
    assert [g["dimension"] for g in turn["grades"]] == [d.value for d in DIMENSIONS]


def test_html_is_one_self_contained_page_with_an_svg_chart(report: ReplayReport) -> None:
    html = render(report, "html")
    page = Page()
    page.feed(html)
    page.close()
    names = [tag for tag, _ in page.tags]
    assert names.count("svg") == 3  # one chart per session
    turns = sum(len(s.turns) for s in report.sessions)
    assert page.svg_rects == 4 * turns + 4 * 3  # four bars per turn, plus each legend
    assert {"definition", "implication", "example", "tradeoff", "turn", "score (0-3)"} <= set(
        page.svg_texts
    )
    # nothing executable, nothing fetched
    assert "script" not in names and "link" not in names and "img" not in names
    for _, attrs in page.tags:
        assert not any(k.startswith("on") for k in attrs)
        assert "src" not in attrs
        href = attrs.get("href")
        assert href is None or href.startswith("#")
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in (
        page.tags
    )
    assert "@media print" in page.style and "@media (max-width" in page.style
    assert "url(" not in page.style and "@import" not in page.style


def test_html_escapes_everything_the_candidate_typed(report: ReplayReport) -> None:
    html = render(report, "html")
    page = Page()
    page.feed(html)
    assert ATTACK not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert any(ATTACK in chunk for chunk in page.text)  # shown as text, not run


def test_html_has_the_cohort_and_every_turn(report: ReplayReport) -> None:
    html = render(report, "html")
    assert 'id="cohort"' in html and ">alice</h3>" in html and ">bob</h3>" in html
    for session in report.sessions:
        assert f'id="{session.id}"' in html
        for turn in session.turns:
            assert f'id="{session.id}-t{turn.turn}"' in html


def test_markdown_escapes_and_keeps_tables_whole(report: ReplayReport) -> None:
    md = render(report, "md")
    assert ATTACK not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "## Cohort" in md and "### alice" in md
    assert "\x1b" not in md and r"\*stars\*" in md and r"\| pipes" in md
    for line in md.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            assert line.endswith(" |"), line  # no cell was broken by a newline


def test_text_strips_terminal_escapes(report: ReplayReport) -> None:
    text = render(report, "text")
    assert "\x1b" not in text and "And red text" in text
    assert "== Cohort" in text and "practise next:" in text
    for session in report.sessions:
        assert f"== {session.id}: " in text
        assert text.count("Agent would") >= len(session.turns)


def test_every_template_renders_a_single_session(bank: Bank) -> None:
    single = replay([str(FIXTURES / "plain-random-forest.txt")], bank, OfflineBackend())
    for fmt in TEMPLATE_FOR:
        out = render(single, fmt)
        assert "Cohort" not in out
        assert single.sessions[0].summary.reference_answer.split()[0] in out


def test_templates_fail_loudly_on_a_missing_field() -> None:
    for name in TEMPLATE_FOR.values():
        with pytest.raises(UndefinedError):
            render_template(name)


def test_escaping_filters() -> None:
    assert md_inline("a <b> & *c*\nd|e") == r"a &lt;b&gt; &amp; \*c\* d\|e"
    assert md_quote("# one\n\ntwo_") == "> \\# one  \n>\n> two\\_"
    assert plain("ok\x1b[2Jdone\tand\nnext\x07\x1b[0m") == "okdone\tand\nnext"
