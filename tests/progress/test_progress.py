"""`followup progress` over hand-made transcripts spanning four weeks: the schedule, what to
practise next, the trends, skipped files, and the HTML, text and JSON views."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from handmade import conversation

from agent.bank.rubric import Bank, Dimension
from agent.progress import build_report, read_history, render
from agent.progress.model import ProgressReport
from agent.session.policy import Outcome

AS_OF = date(2026, 11, 30)  # a Monday
SCRIPT = "<script>alert('x')</script>"
PROBE = f'You said "{SCRIPT} & more". What would you trade away?'
BAD_ID = "<img src=x onerror=alert(1)>"


def on(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Four weeks of practice (November 2026), chat and one mock loop."""
    folder = tmp_path / "data" / "transcripts"
    folder.mkdir(parents=True)
    rf = "random-forest"
    conversation(folder, rf, on(2), Outcome.STALLED, "2 1 0 1")  # miss: due Nov 3
    conversation(folder, rf, on(3), Outcome.SENIOR, "3 3 3 3")  # due +3: Nov 6
    conversation(folder, rf, on(6), Outcome.SENIOR, "3 3 3 3")  # +7: Nov 13
    conversation(folder, rf, on(13), Outcome.SENIOR, "3 3 3 3")  # +14: Nov 27
    conversation(folder, rf, on(27), Outcome.SENIOR, "3 3 3 3")  # +30: Dec 27
    conversation(folder, "bias-variance", on(4), Outcome.SENIOR, "3 3 3 3")
    conversation(folder, "bias-variance", on(8), Outcome.OUT_OF_TURNS, "2 2 1 1")  # reset
    conversation(folder, "bias-variance", on(20), Outcome.SENIOR, "3 3 3 3")  # due Nov 23
    conversation(folder, "calibration", on(10), Outcome.QUIT, "2 1 1 1")  # due Nov 11
    conversation(
        folder, "metric-choice", on(25), Outcome.OUT_OF_TIME, "2 2 2 0",
        loop_id="loop0001", probe=("tradeoff", PROBE),
    )  # fmt: skip
    conversation(folder, "data-leakage", on(29), Outcome.SENIOR, "3 3 3 3")  # due Dec 2
    return tmp_path / "data"


@pytest.fixture
def report(data: Path, bank: Bank) -> ProgressReport:
    return build_report(read_history([data], bank), bank, AS_OF, UTC)


def test_due_dates_and_order(report: ProgressReport) -> None:
    due = [(d.question, d.due, d.overdue_days) for d in report.due]
    assert due == [
        ("calibration", date(2026, 11, 11), 19),
        ("bias-variance", date(2026, 11, 23), 7),
        ("metric-choice", date(2026, 11, 26), 4),
    ]
    later = {
        d.question: (d.due, d.streak, d.interval) for d in report.schedule if d.overdue_days < 0
    }
    assert later == {
        "random-forest": (date(2026, 12, 27), 4, 30),
        "data-leakage": (date(2026, 12, 2), 1, 3),
    }
    assert [d.question for d in report.schedule][:3] == [d.question for d in report.due]


def test_next_is_the_due_question_lowest_on_the_weakest_dimension(report: ProgressReport) -> None:
    # latest per question: rf 3333, bv 3333, calibration 2111, metric-choice 2220, dl 3333
    # tradeoff is lowest on average (2.0); among the due ones metric-choice is 0 on it, below
    # calibration's 1 even though calibration is more overdue
    step = report.next
    assert step is not None
    assert (step.question, step.dimension) == ("metric-choice", Dimension.TRADEOFF)
    assert "due for review since 2026-11-26" in step.reason and "2.0/3" in step.reason
    assert step.last_probe == PROBE
    assert step.to_reach and step.command == "followup chat --question metric-choice"


def test_next_when_nothing_is_due_and_when_everything_holds(tmp_path: Path, bank: Bank) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    conversation(folder, "calibration", on(29), Outcome.STALLED, "3 1 2 2")
    conversation(folder, "random-forest", on(29), Outcome.SENIOR, "3 3 3 3")
    # practised today: nothing due; the question that missed, on its lowest dimension
    early = build_report(read_history([folder], bank), bank, date(2026, 11, 29), UTC)
    assert early.due == []
    assert early.next is not None
    assert (early.next.question, early.next.dimension) == ("calibration", Dimension.IMPLICATION)
    assert "did not reach senior" in early.next.reason
    # once calibration reaches senior too, a question never practised, from a topic not yet seen
    conversation(folder, "calibration", on(29, 12), Outcome.SENIOR, "3 3 3 3")
    holding = build_report(read_history([folder], bank), bank, date(2026, 11, 29), UTC)
    assert holding.next is not None
    practised = {"calibration": "evaluation", "random-forest": "ensembles"}
    assert holding.next.question not in practised
    assert bank.get(holding.next.question).topic not in practised.values()
    assert "new to you" in holding.next.reason


def test_trends_per_week_dimension_and_topic(report: ProgressReport) -> None:
    tradeoff = next(t for t in report.dimensions if t.dimension is Dimension.TRADEOFF)
    weeks = [(w.week, w.mean, w.conversations) for w in tradeoff.weeks]
    assert weeks == [
        (date(2026, 11, 2), 2.2, 5),  # rf 1,3,3 and bv 3,1
        (date(2026, 11, 9), 2.0, 2),  # calibration 1, rf 3
        (date(2026, 11, 16), 3.0, 1),
        (date(2026, 11, 23), 2.0, 3),  # metric-choice 0, rf 3, dl 3
    ]
    assert (tradeoff.first, tradeoff.latest, tradeoff.change, tradeoff.direction) == (
        2.2, 2.0, -0.2, "flat"
    )  # fmt: skip
    assert [t.dimension for t in report.dimensions] == list(Dimension)
    topics = {t.topic: t for t in report.topics}
    assert set(topics) == {"ensembles", "fundamentals", "evaluation", "debugging"}
    assert topics["evaluation"].questions == ["calibration", "metric-choice"]
    ev_def = topics["evaluation"].dimensions[0]
    assert (ev_def.first, ev_def.latest) == (2.0, 2.0)


def test_unreadable_files_are_named_and_skipped(data: Path, bank: Bank) -> None:
    folder = data / "transcripts"
    good = sorted(folder.glob("*.jsonl"))[0]
    lines = good.read_text().splitlines()
    lines[2] = '{"type": "answer", "turn": "x"}'
    (folder / "broken.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "latin1.jsonl").write_bytes(b'{"type": "session"}\n\xff\n')
    cut = conversation(folder, "feature-scaling", on(28), Outcome.SENIOR, "3 3 3 3")
    cut.write_text(cut.read_text()[:-30])  # killed while writing the end event
    copied = data / "from-laptop"
    copied.mkdir()
    shutil.copy(good, copied / "same.jsonl")
    history = read_history([data], bank)
    assert len(history.conversations) == 11 + 1  # the cut one counts, unfinished; the copy once
    unfinished = [r for r in history.conversations if r.question == "feature-scaling"]
    assert unfinished[0].outcome is None and unfinished[0].scores is None
    text = "\n".join(history.problems)
    # file:line:column, the column where the problem starts
    assert re.search(re.escape(f"{folder / 'broken.jsonl'}:3:") + r"\d+: not a transcript", text)
    assert re.search(re.escape(f"{folder / 'latin1.jsonl'}:2:") + r"\d+: not valid UTF-8", text)
    assert f"{cut}:" in text and "cut off" in text
    (dup,) = [line for line in history.problems if "the same session as" in line]
    assert str(copied / "same.jsonl") in dup and str(good) in dup and "counted once" in dup
    report = build_report(history, bank, AS_OF, UTC)
    # unfinished is a miss: due the next day; it has no scores, so the trends leave it out
    assert ("feature-scaling", date(2026, 11, 29)) in [(d.question, d.due) for d in report.due]
    assert sum(w.conversations for w in report.dimensions[0].weeks) == 11


class Page(HTMLParser):
    """What a browser would see: tags, attributes, text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def page_of(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def test_html_is_self_contained_with_a_chart_of_the_four_dimensions(
    report: ProgressReport,
) -> None:
    page = page_of(render(report, "html"))
    names = [t for t, _ in page.tags]
    assert names.count("svg") == 1 and "script" not in names
    series = [a for t, a in page.tags if t == "g" and a.get("class") == "series"]
    assert [a["data-dimension"] for a in series] == [d.value for d in Dimension]
    assert names.count("polyline") == 4
    assert names.count("circle") == 4 * 4  # four weeks per dimension
    assert not [a for _, a in page.tags if a.get("src") or (a.get("href") or "#").startswith("h")]
    assert "style" in names and any(".chart .lbl" in t for t in page.text)  # replay's look
    words = " ".join(page.text)
    assert "metric-choice" in words and "Review schedule" in words and "2026-11-11" in words


def test_html_escapes_everything_from_the_transcripts(data: Path, bank: Bank) -> None:
    folder = data / "transcripts"
    conversation(folder, BAD_ID, on(28), Outcome.STALLED, "0 0 0 0", question_text=SCRIPT)
    report = build_report(read_history([data], bank), bank, AS_OF, UTC)
    html = render(report, "html")
    page = page_of(html)
    assert "script" not in [t for t, _ in page.tags] and "img" not in [t for t, _ in page.tags]
    assert SCRIPT not in html and BAD_ID not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html
    text = "".join(page.text)
    assert BAD_ID in text and SCRIPT in text  # shown as text, never as markup
    assert "other" in [t.topic for t in report.topics]


def test_text_and_json(report: ProgressReport) -> None:
    text = render(report, "text")
    assert "PRACTISE NEXT\n  metric-choice, tradeoff" in text
    assert "calibration" in text.split("DUE FOR REVIEW")[1].split("COMING UP")[0]
    assert "\x1b" not in text
    data = json.loads(render(report, "json"))
    assert {"conversations", "dimensions", "next", "due"} <= set(data)
    first = data["conversations"][0]
    assert {"question", "started", "outcome", "scores"} <= set(first)
    assert first["question"] == "random-forest" and first["outcome"] == "stalled"
    assert first["scores"] == {"definition": 2, "implication": 1, "example": 0, "tradeoff": 1}
    assert [d["dimension"] for d in data["dimensions"]] == [d.value for d in Dimension]
    assert {"weeks", "first", "latest", "change", "direction"} <= set(data["dimensions"][0])
    assert data["next"]["question"] == "metric-choice" and data["next"]["dimension"] == "tradeoff"
    assert data["next"]["reason"]
    assert data["due"][0] == {**data["due"][0], "question": "calibration", "due": "2026-11-11"}


def test_text_strips_terminal_escapes(tmp_path: Path, bank: Bank) -> None:
    conversation(tmp_path, "q\x1b[31mred", on(2), Outcome.QUIT, question_text="x")
    text = render(build_report(read_history([tmp_path], bank), bank, AS_OF, UTC), "text")
    assert "\x1b" not in text and "qred" in text


def test_a_report_as_of_an_earlier_day_leaves_out_later_conversations(
    data: Path, bank: Bank
) -> None:
    earlier = build_report(read_history([data], bank), bank, date(2026, 11, 12), UTC)
    assert [c.day for c in earlier.conversations][-1] == date(2026, 11, 10)
    # calibration quit on Nov 10 (due Nov 11); bias-variance missed on Nov 8 (due Nov 9)
    assert [d.question for d in earlier.due] == ["bias-variance", "calibration"]
    assert {d.question: d.due for d in earlier.schedule}["random-forest"] == date(2026, 11, 13)
