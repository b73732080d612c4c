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
from agent.grading.scripted import ScriptedBackend
from agent.replay.model import ReplayReport
from agent.replay.regrade import replay
from agent.replay.render import (
    CHART_GROUPS,
    OPEN_TURNS,
    TEMPLATE_FOR,
    blocks,
    chart,
    md_inline,
    md_quote,
    plain,
    render,
    render_template,
)
from agent.text import CONTROL as CONTROL_CHARS

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
    assert data["version"] == 2 and len(data["sessions"]) == 3
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


CONTROL = "bell\x07 nul\x00 esc\x1b[31mred\x1b[0m c1\x85 zw\u200b bom\ufeff end"


def test_control_characters_are_removed_from_every_rendered_format(
    bank: Bank, tmp_path: Path
) -> None:
    path = tmp_path / "pasted.txt"
    path.write_text(
        "Interviewer: How does a random forest work, and when would you not use it?\x07\n"
        f"Candidate: Trees on bootstrap samples vote. {CONTROL}\n",
        encoding="utf-8",
    )
    report = replay([str(path)], bank, OfflineBackend())
    for fmt in ("html", "md", "text"):
        out = render(report, fmt)
        assert not CONTROL_CHARS.search(out.replace("\n", "").replace("\t", "")), fmt
        assert "bell nul escred c1 zw bom end" in out, fmt
    # JSON is the data: kept as given, escaped, so a script sees what the candidate typed
    data = json.loads(render(report, "json"))
    assert CONTROL in data["sessions"][0]["turns"][0]["answer"]
    assert "\x07" not in render(report, "json")


def test_html_tables_become_labelled_cards_and_never_break_words(report: ReplayReport) -> None:
    html = render(report, "html")
    page = Page()
    page.feed(html)
    tables = [attrs for tag, attrs in page.tags if tag == "table"]
    assert tables and all("cards" in (attrs.get("class") or "") for attrs in tables)
    labels = {attrs.get("data-label") for tag, attrs in page.tags if tag == "td"}
    assert {"Evidence", "Why", "Sessions", "Practise next", "Still missing"} <= labels
    assert "overflow-wrap: anywhere" not in page.style and "word-break" not in page.style
    assert "attr(data-label)" in page.style and "@media print" in page.style
    # a path may wrap after each slash, nowhere else
    source = report.sessions[0].source
    assert source.replace("/", "/<wbr>") in html


def long_report(bank: Bank, tmp_path: Path, turns: int, sessions: int = 1) -> ReplayReport:
    for s in range(sessions):
        lines = ["Interviewer: How does a random forest work, and when would you not use it?"]
        for n in range(1, turns + 1):
            if n > 1:
                lines.append("Interviewer: Why does that help?")
            lines.append(f"Candidate: Many trees on bootstrap samples vote, take {n}.")
        (tmp_path / f"long-{s}.txt").write_text("\n".join(lines) + "\n")
    scores = [{"definition": n % 4, "example": (n // 3) % 4} for n in range(turns * sessions)]
    return replay([str(tmp_path)], bank, ScriptedBackend(scores))


def test_a_long_session_is_charted_in_pooled_groups_and_its_turns_collapse(
    bank: Bank, tmp_path: Path
) -> None:
    report = long_report(bank, tmp_path, 120)
    (session,) = report.sessions
    c = chart(session)
    assert c.per_group == 10 and len(c.x_ticks) == CHART_GROUPS == 12
    assert len(c.bars) == 4 * 12 and [t.label for t in c.x_ticks[:3]] == ["1", "11", "21"]
    assert c.width <= 536  # legible on a phone: about 3/4 scale at 400 px
    # turns 1-10 score definition 0,1,2,3,0,1,2,3,0,1 (mean 1.3); turns 11-20 mean 1.7
    assert c.bars[0].label == "Turns 1-10 (mean), definition: 1.3/3"
    assert c.bars[4].label == "Turns 11-20 (mean), definition: 1.7/3"
    assert "Mean scores per 10 turns" in c.description
    assert c.x_title == "first turn of each group of 10"
    html = render(report, "html")
    assert '<details class="session" open>' in html  # the one session is open
    assert html.count('<details class="block">') == 3  # 120 turns in runs of 50, closed
    assert "<summary>Turns 101-120 " in html
    assert html.count('<article class="turn"') == 120
    assert [len(run) for run in blocks(list(range(8000)))] == [200] * 40


def test_many_sessions_start_collapsed(bank: Bank, tmp_path: Path) -> None:
    html = render(long_report(bank, tmp_path, OPEN_TURNS // 2 + 1, sessions=2), "html")
    assert html.count('<details class="session">') == 2 and " open>" not in html
    (tmp_path / "few").mkdir()
    small = render(long_report(bank, tmp_path / "few", 3, sessions=2), "html")
    assert small.count('<details class="session" open>') == 2
