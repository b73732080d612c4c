"""Reading what replay re-grades: JSONL from `chat`, pasted plain text, crash-cut files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from locations import FIXTURES as ALL_FIXTURES

from agent.bank.rubric import Bank, Dimension
from agent.errors import InputError
from agent.replay.inputs import discover, read_conversation
from agent.replay.regrade import resolve_rubric

FIXTURES = ALL_FIXTURES / "transcripts"
JSONL = FIXTURES / "v1-random-forest.jsonl"
PLAIN = FIXTURES / "plain-random-forest.txt"


def test_jsonl_from_chat_becomes_a_conversation(bank: Bank) -> None:
    convo = read_conversation(str(JSONL))
    assert convo.format == "jsonl" and convo.question_id == "random-forest"
    assert convo.question == bank.get("random-forest").question
    assert convo.recorded_outcome == "quit" and convo.warnings == []
    assert len(convo.turns) == 4
    first, second = convo.turns[0], convo.turns[1]
    assert first.asked == convo.question and first.asked_dimension is None
    assert first.recorded is not None and first.line == 3
    # the first probe after answer 2 was skipped; the second is the one answered next
    assert [p.skipped for p in second.probes_after] == [True, False]
    assert convo.turns[2].asked == second.probes_after[-1].text
    assert convo.turns[2].asked_dimension == second.probes_after[-1].dimension


def test_plain_text_turns_span_lines_until_the_next_speaker(bank: Bank) -> None:
    convo = read_conversation(str(PLAIN))
    assert convo.format == "text" and convo.question_id is None
    assert convo.question.startswith("Let's start with ensembles.")
    assert len(convo.turns) == 3
    assert convo.turns[0].answer.count("\n") == 2  # a three-line answer stays one turn
    assert convo.turns[0].line == 4
    assert "Mock interview" not in convo.turns[0].answer  # text above the first speaker line
    assert convo.turns[1].asked.startswith("Why does sampling a random subset")
    assert convo.turns[2].probes_after == []
    assert resolve_rubric(convo, bank, None).id == "random-forest"


def test_q_and_a_speaker_lines(tmp_path: Path) -> None:
    path = tmp_path / "qa.txt"
    path.write_text(
        "Q: How does a random forest work, and when would you not use it?\n"
        "A: Many trees on bootstrap samples.\n"
        "They vote.\n"
        "q: And when would you not use it?\n"
        "a: When latency matters.\n"
    )
    convo = read_conversation(str(path))
    assert [t.answer for t in convo.turns] == [
        "Many trees on bootstrap samples.\nThey vote.",
        "When latency matters.",
    ]
    assert convo.turns[1].asked == "And when would you not use it?"


def test_crash_cut_jsonl_keeps_every_whole_line(tmp_path: Path) -> None:
    cut = tmp_path / "cut.jsonl"
    text = JSONL.read_text()
    cut.write_text(text[: text.rindex('"type":"answer"') + 40])  # dies writing answer 4
    convo = read_conversation(str(cut))
    assert len(convo.turns) == 3 and convo.recorded_outcome is None
    assert len(convo.warnings) == 1 and "cut off" in convo.warnings[0]


def test_question_by_wording_or_by_flag(bank: Bank, tmp_path: Path) -> None:
    vague = tmp_path / "vague.txt"
    vague.write_text("Interviewer: Tell me about your last project.\nCandidate: It was fun.\n")
    convo = read_conversation(str(vague))
    with pytest.raises(InputError, match=rf"{vague}:1:1: cannot tell which question.*--question"):
        resolve_rubric(convo, bank, None)
    assert resolve_rubric(convo, bank, "random-forest").id == "random-forest"


def test_date_line_dates_a_plain_transcript(tmp_path: Path) -> None:
    path = tmp_path / "dated.txt"
    path.write_text("Date: 2026-01-05\n\nQ: How does a random forest work?\nA: Trees vote.\n")
    assert read_conversation(str(path)).at.isoformat() == "2026-01-05T00:00:00+00:00"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"empty file"),
        (b"  \n\n", r"empty file"),
        (b"Just some notes about the session.\nNothing else.\n", r":1:1: neither a followup JSONL"),
        (b"Candidate: I start.\nInterviewer: Hm.\n", r":1:1: the transcript must open with"),
        (b"Interviewer: A question?\n", r"no candidate turns"),
        (b"Q: fine\nA: caf\xe9 au lait\n", r":2:7: not valid UTF-8 \(byte 0xE9\)"),
        (
            b'{"type": "answer"}\n{"x": 1}\n',
            r":1:1: not a transcript event: answer event: 'turn' is",
        ),
        (b'{"x": 1}\n{"x": 1}\n', r':1:1: not a transcript event: no "type" \(one of session,'),
        (b'{"type": "nope"}\n{}\n', r":1:2: not a transcript event: unknown event type 'nope'"),
        (b'{"type": "session", "oops\n{}\n', r":1:21: not JSON: Unterminated string"),
    ],
)
def test_bad_input_names_file_and_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_conversation(str(path))
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)
    for internal in ("discriminator", "Unable to extract", "Input tag", "validation error"):
        assert internal not in str(info.value)


def test_jsonl_question_not_in_the_bank(bank: Bank, tmp_path: Path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text(JSONL.read_text().replace('"random-forest"', '"no-such-question"', 1))
    convo = read_conversation(str(path))
    with pytest.raises(InputError, match=rf"{path}:1:106: question 'no-such-question' is not in"):
        resolve_rubric(convo, bank, None)


def test_discover_walks_directories_once_each(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    shutil.copy(JSONL, tmp_path / "alice" / "a.jsonl")
    shutil.copy(PLAIN, tmp_path / "alice" / "b.txt")
    (tmp_path / "alice" / "notes.md").write_text("not a transcript")
    (tmp_path / "empty").mkdir()
    files, errors = discover(
        [str(tmp_path), str(tmp_path / "alice" / "a.jsonl"), str(tmp_path / "empty"), "nope"]
    )
    assert [Path(f).name for f in files] == ["a.jsonl", "b.txt"]
    assert len(errors) == 2 and "no transcripts" in errors[0] and "no such file" in errors[1]


def test_plain_probes_are_recognised_from_the_bank(bank: Bank) -> None:
    from agent.grading.scripted import ScriptedBackend
    from agent.replay.regrade import regrade

    convo = read_conversation(str(PLAIN))
    rubric = resolve_rubric(convo, bank, None)
    report = regrade(convo, rubric, ScriptedBackend([{}] * 3), "s1")
    assert [t.asked_dimension for t in report.turns] == [
        None,
        Dimension.DEFINITION,
        Dimension.TRADEOFF,
    ]
