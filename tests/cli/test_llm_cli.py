"""`followup chat` and `followup eval` with the openai backend, against a respx-mocked server."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import httpx
import pytest
import respx
from llm_fakes import BASE_URL, CHAT_URL, SECRET, completion, error, reply_json
from locations import FIXTURES

from agent.cli.app import main

RUBRICS = str(FIXTURES / "rubrics")
OPENAI = ["--backend", "openai", "--base-url", BASE_URL, "--model", "test-model"]
QUOTE = "A toy is an object for play"
REPLY = reply_json(
    {"definition": 2},
    {"definition": [QUOTE]},
    ("implication", "Why does it matter in practice that a toy is for play?"),
)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def mocked() -> respx.MockRouter:
    return respx.mock(assert_all_called=True, assert_all_mocked=True)


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["--rubrics", RUBRICS, *argv], io.StringIO(stdin), out, err)
    return status, out.getvalue(), err.getvalue()


def test_chat_with_a_model_records_usage_and_never_the_key(tmp_path: Path) -> None:
    transcript = tmp_path / "t.jsonl"
    stdin = f"{QUOTE}.\n\nI think it matters because kids learn.\n\n/quit\n"
    with mocked() as mock:
        route = mock.post(CHAT_URL).mock(return_value=completion(REPLY))
        status, out, err = run(
            ["chat", "-q", "toy-question", "--transcript", str(transcript), *OPENAI], stdin
        )
    assert status == 0, err
    assert route.call_count == 2  # one call per answer
    assert "grader: openai, model test-model" in out
    assert "Probe [implication]: Why does it matter in practice that a toy is for play?" in out
    events = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert events[0]["grader"] == "openai" and events[0]["model"] == "test-model"
    grades = [e for e in events if e["type"] == "grade"]
    assert grades[0]["usage"] == {
        "calls": 1,
        "cached": 0,
        "prompt_tokens": 900,
        "cached_tokens": 0,
        "completion_tokens": 150,
    }
    assert [e["source"] for e in events if e["type"] == "probe"][0] == "model"
    for text in (out, err, transcript.read_text()):
        assert SECRET not in text


def test_a_failing_backend_is_told_once_and_the_session_goes_on(tmp_path: Path) -> None:
    transcript = tmp_path / "t.jsonl"
    stdin = "A toy is a thing.\n\nStill a thing.\n\nReally.\n\n/quit\n"
    with mocked() as mock:
        mock.post(CHAT_URL).mock(return_value=error(503, "overloaded", {"retry-after": "0.01"}))
        status, out, _ = run(
            ["chat", "-q", "toy-question", "--transcript", str(transcript), *OPENAI], stdin
        )
    assert status == 0
    assert out.count("the model backend failed") == 1
    assert "Outcome: quit" in out
    grades = [json.loads(x) for x in transcript.read_text().splitlines() if '"grade"' in x]
    assert len(grades) == 3 and all(g["fallback"] for g in grades)
    assert all("HTTP 503" in g["notes"][0] for g in grades)
    assert SECRET not in transcript.read_text()


SUITE = """suite: llm-mocked
cases:
  - id: a1
    question: toy-question
    answer: "A toy is an object for play, the solid definition."
    expect:
      scores: {definition: 2, implication: 0, example: 0, tradeoff: 0}
  - id: a2
    question: toy-question
    answer: "A toy is an object for play. Toys matter."
    expect:
      scores: {definition: 2, implication: 0, example: 0, tradeoff: 0}
  - id: a3
    question: toy-question
    answer: "A toy is an object for play, I would say."
    expect:
      scores: {definition: 2, implication: 0, example: 0, tradeoff: 0}
  - id: d1
    question: toy-question
    candidate:
      opening: "A toy is an object for play."
    expect:
      probes: [implication]
      outcome: out-of-turns
      max_turns: 2
"""


def write_suite(tmp_path: Path) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE)
    return path


def test_eval_runs_concurrently_caches_and_reports_usage(tmp_path: Path) -> None:
    suite = write_suite(tmp_path)
    report = tmp_path / "report.json"
    threads: set[str] = set()

    def answer(request: httpx.Request) -> httpx.Response:
        threads.add(threading.current_thread().name)
        return completion(REPLY)

    argv = ["eval", str(suite), *OPENAI, "--json", str(report), "--gates", str(tmp_path / "g")]
    (tmp_path / "g").write_text("min_within_one: 0.5\nmin_probe_accuracy: 0.5\n")
    with mocked() as mock:
        route = mock.post(CHAT_URL).mock(side_effect=answer)
        status, out, err = run(argv)
        cold_calls = route.call_count
        status2, out2, _ = run(argv)  # unchanged suite: served from the cache
        warm_calls = route.call_count - cold_calls
        run([*argv, "--no-cache"])
        forced_calls = route.call_count - cold_calls - warm_calls
    assert status == 0, out + err
    assert cold_calls == 5  # three answers + a two-turn dialogue
    assert warm_calls == 0 and status2 == 0
    assert forced_calls == 5
    assert len(threads) > 1  # the default concurrency with openai is 4
    data = json.loads(report.read_text())
    assert data["grader"] == "openai" and data["model"] == "test-model"
    assert data["metrics"]["usage"]["calls"] == 5
    assert data["metrics"]["usage"]["prompt_tokens"] == 5 * 900
    assert data["cases"][3]["usage"]["calls"] == 2
    assert (
        "model usage: 5 call(s), 0 cached, 4500 prompt (0 from the server's prefix cache) + "
        "750 completion tokens"
    ) in out
    assert "model usage: 0 call(s), 5 cached" in out2
    assert SECRET not in report.read_text()


def test_eval_counts_fallback_as_unscored(tmp_path: Path) -> None:
    suite = write_suite(tmp_path)
    config = tmp_path / "followup.toml"
    config.write_text("reply_retries = 1\n")  # the default policy waits between attempts
    with mocked() as mock:
        route = mock.post(CHAT_URL).mock(return_value=completion("not json at all"))
        status, out, err = run(["eval", str(suite), *OPENAI, "--config", str(config)])
    assert route.call_count == 4 * 2  # each case's first turn, tried twice
    assert status == 2
    assert "unscored 4" in out
    assert "could not be produced" in err


@pytest.mark.parametrize("url", ["not a url", "ftp://x"])
def test_a_bad_base_url_stops_before_the_session_with_one_line(url: str) -> None:
    argv = ["chat", "-q", "toy-question", "--backend", "openai", "--base-url", url]
    with mocked():  # no route: any request at all would fail the test
        status, out, err = run([*argv, "--model", "test-model"], "A toy is a thing.\n\n/quit\n")
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "base_url" in err and "not an http(s) URL" in err
    assert "Probe" not in out
