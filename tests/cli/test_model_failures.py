"""A model that fails fails briefly and says why: chat and eval against a real local server.

Each test starts its own OpenAI-compatible server on 127.0.0.1 (``tests/fake_server.py``) that
hangs, answers 500, or answers text full of escape codes and markup, and drives ``followup``
exactly as a user would.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from fake_server import HANG, chat_reply, fake_server, status_reply
from llm_fakes import reply_json
from locations import FIXTURES

from agent.cli.app import main
from agent.grading.fallback import SESSION_MAX_FAILURES
from agent.grading.settings import LLMConfig

pytestmark = pytest.mark.network  # loopback only: the servers are started here

RUBRICS = str(FIXTURES / "rubrics")
ANSWERS = "A toy is a thing.\n\nStill a thing.\n\nReally a thing.\n\nOne more.\n\n"


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["--rubrics", RUBRICS, *argv], io.StringIO(stdin), out, err)
    return status, out.getvalue(), err.getvalue()


def settings(tmp_path: Path, **values: object) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()))
    return path


def chat(url: str, tmp_path: Path, config: Path, stdin: str = ANSWERS) -> tuple[str, list[Any]]:
    transcript = tmp_path / "t.jsonl"
    argv = ["chat", "-q", "toy-question", "--transcript", str(transcript)]
    argv += ["--base-url", url, "--model", "fake", "--config", str(config)]
    status, out, err = run(argv, stdin)
    assert status == 0, err
    return out, [json.loads(line) for line in transcript.read_text().splitlines()]


def test_the_defaults_cost_a_hung_server_about_30_seconds_once() -> None:
    assert LLMConfig().timeout * SESSION_MAX_FAILURES <= 30


def test_a_hung_server_costs_two_timeouts_then_the_session_grades_offline(tmp_path: Path) -> None:
    with fake_server(lambda body: HANG) as server:
        config = settings(tmp_path, timeout=0.5, max_retries=2)
        start = time.monotonic()
        out, events = chat(server.url, tmp_path, config)
        wall = time.monotonic() - start
        requests = server.requests
    assert requests == 2  # one per failed turn (a timeout is not re-sent); then none
    assert wall < 2 * 0.5 + 3  # two timeouts and the rest offline, not minutes
    assert out.count("the model backend failed: timed out after 0.5 s") == 1
    assert f"the model server at {server.url} failed twice in a row (timed out after 0.5 s)" in out
    assert "grading offline for the rest of this session" in out
    assert "Graded offline (the model did not grade these turns):" in out
    assert "  turns 1-2: timed out after 0.5 s" in out
    assert "  turns 3-4: not sent to the model: the model server at" in out
    grades = [e for e in events if e["type"] == "grade"]
    assert len(grades) == 4 and all(g["fallback"] for g in grades)
    assert [g["usage"]["calls"] for g in grades[:2]] == [1, 1] and grades[2]["usage"] is None


def test_a_server_answering_500_is_named_and_the_summary_says_offline(tmp_path: Path) -> None:
    with fake_server(lambda body: status_reply(500, "the GPU fell over")) as server:
        config = settings(tmp_path, max_retries=2)
        out, events = chat(server.url, tmp_path, config, "A toy is a thing.\n\nStill.\n\n/quit\n")
        requests = server.requests
    assert requests == 2 * 3  # two turns of one try and two retries, then the breaker
    assert "the model backend failed: HTTP 500: the GPU fell over" in out
    assert "failed twice in a row (HTTP 500: the GPU fell over)" in out
    assert "  turns 1-2: HTTP 500: the GPU fell over" in out
    grades = [e for e in events if e["type"] == "grade"]
    assert [g["usage"]["calls"] for g in grades] == [3, 3]  # every request, retries included
    assert all("HTTP 500" in g["notes"][0] for g in grades)


def test_a_recovered_server_resets_the_count(tmp_path: Path) -> None:
    good = reply_json({"definition": 1}, {"definition": ["A toy is a thing you play with"]})
    replies = iter([status_reply(503, "busy"), chat_reply(good), status_reply(503, "busy")])
    with fake_server(lambda body: next(replies, chat_reply(good))) as server:
        config = settings(tmp_path, max_retries=0)
        stdin = "A toy is a thing you play with.\n\n" * 4
        out, events = chat(server.url, tmp_path, config, stdin)
        requests = server.requests
    assert requests == 4  # failures at turns 1 and 3 are not in a row: never opened
    assert "in a row" not in out
    assert [e["fallback"] for e in events if e["type"] == "grade"] == [True, False, True, False]


HOSTILE_PROBE = (
    "<script>alert('x')</script>\x1b[2J\x1b[31m Why does it **matter** in practice that a "
    "toy is for play?\x1b[0m"
)
NOTHING_LEFT = "<script>alert('x')</script>\x1b[2J<b></b>\x1b]0;pwned\x07"


def hostile(probe: str) -> str:
    return reply_json(
        {"definition": 2},
        {"definition": ["A toy is \x1b[31man object\x1b[0m for play"]},
        ("implication", probe),
    ).replace(
        '"definition reason"', json.dumps("\x1b[2J<i>solid</i> \x1b]0;pwned\x07definition\x07")
    )


def test_escape_codes_and_markup_from_the_model_never_reach_the_screen_or_the_file(
    tmp_path: Path,
) -> None:
    replies = iter([chat_reply(hostile(HOSTILE_PROBE)), chat_reply(hostile(NOTHING_LEFT))])
    stdin = (
        "A toy is an object for play \x1b[D\x1b[D\x1b[A and fun.\n\n"
        "A toy is an object for play, \x1b[2Jreally.\n\n/quit\n"
    )
    with fake_server(lambda body: next(replies)) as server:
        out, events = chat(server.url, tmp_path, settings(tmp_path), stdin)
    text = (tmp_path / "t.jsonl").read_text()
    for raw in ("\x1b", "\x07", "<script", "\\u001b", "\\u0007", "pwned", "[2J", "[31m", "[D"):
        assert raw not in out and raw not in text, raw
    probes = [e for e in events if e["type"] == "probe"]
    assert probes[0]["text"] == "Why does it matter in practice that a toy is for play?"
    assert probes[0]["source"] == "model"
    assert probes[1]["source"] != "model"  # nothing sensible was left: the bank's probe
    answers = [e["text"] for e in events if e["type"] == "answer"]
    assert answers[0] == "A toy is an object for play  and fun."
    grades = [e for e in events if e["type"] == "grade"]
    assert grades[0]["grade"]["definition"]["evidence"] == ["A toy is an object for play"]
    assert grades[0]["grade"]["definition"]["reason"] == "solid definition"
    assert "markup or control codes were removed from the model's probe" in out


EVAL_CASE = """  - id: a{n}
    question: toy-question
    answer: "A toy is an object for play, case {n}."
    expect:
      scores: {{definition: 2, implication: 0, example: 0, tradeoff: 0}}
"""


def eval_suite(tmp_path: Path, cases: int) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text("suite: dead\ncases:\n" + "".join(EVAL_CASE.format(n=n) for n in range(cases)))
    return path


def run_eval(url: str, tmp_path: Path, config: Path, *extra: str) -> tuple[int, str, str, Any]:
    report = tmp_path / "report.json"
    argv = ["eval", str(eval_suite(tmp_path, 8)), "--json", str(report), "--no-cache"]
    argv += ["--base-url", url, "--model", "fake", "--config", str(config), *extra]
    status, out, err = run(argv)
    return status, out, err, json.loads(report.read_text())


def test_eval_stops_calling_a_dead_server_and_says_why(tmp_path: Path) -> None:
    with fake_server(lambda body: status_reply(500, "down for maintenance")) as server:
        config = settings(tmp_path, max_retries=1)
        status, out, err, report = run_eval(
            server.url, tmp_path, config, "--max-failures", "3", "--concurrency", "1"
        )
        requests = server.requests
    assert status == 2
    assert requests == 3 * 2  # three failed cases, each one try and one retry; then nothing
    why = (
        f"the model server at {server.url} failed 3 times in a row (HTTP 500: down for maintenance)"
    )
    assert err.strip() == (
        f"followup: error: {why}; eval stopped calling it, and 5 of 8 case(s) were not graded; "
        "the suite could not be evaluated"
    )
    assert (
        report["stopped"] == f"{why}; eval stopped calling it, and 5 of 8 case(s) were not graded"
    )
    errors = [case["got"]["error"] for case in report["cases"]]
    assert all("HTTP 500: down for maintenance" in e for e in errors[:3])
    assert errors[3:] == [f"not graded: {why}, so eval stopped calling it"] * 5
    assert all(case["unscored"] for case in report["cases"])
    assert f"stopped: {why}" in out


def test_eval_against_a_hung_server_is_bounded_even_with_concurrency(tmp_path: Path) -> None:
    with fake_server(lambda body: HANG) as server:
        config = settings(tmp_path, timeout=0.5)
        start = time.monotonic()
        status, _, err, report = run_eval(
            server.url, tmp_path, config, "--max-failures", "2", "--concurrency", "4"
        )
        wall = time.monotonic() - start
        requests = server.requests
    assert status == 2 and "timed out after 0.5 s" in err
    assert requests <= 2 + 3  # the failures that opened it, and those already in flight
    assert wall < 2 * 0.5 + 3
    assert report["stopped"] and report["metrics"]["unscored"] == 8


def test_max_failures_must_be_a_positive_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        run(["eval", str(eval_suite(tmp_path, 1)), "--max-failures", "0"])
    assert exited.value.code == 2
    assert "--max-failures: must be at least 1" in capsys.readouterr().err


def test_a_good_server_is_not_stopped_and_counts_every_request(tmp_path: Path) -> None:
    good = reply_json({"definition": 2}, {"definition": ["A toy is an object for play"]})
    replies = iter([status_reply(429, "slow down")] + [chat_reply(good)] * 20)
    with fake_server(lambda body: next(replies)) as server:
        config = settings(tmp_path, max_retries=2)
        status, out, _, report = run_eval(server.url, tmp_path, config, "--concurrency", "1")
        requests = server.requests
    assert report["stopped"] is None and report["metrics"]["unscored"] == 0
    assert requests == 9 and report["metrics"]["usage"]["calls"] == 9  # 8 cases + 1 retry
    assert report["version"] == 2
    assert status in (0, 1)  # agreement is not what this test is about
