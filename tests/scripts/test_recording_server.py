"""scripts/recording_server.py: record every request, answer from replies written beside them.

The end-to-end tests run ``followup eval`` against the server twice, as the README tells a
person to: the first run records one prompt per answer (and fails, nothing being answered), the
replies are written, the second run replays them and prints the agreement they give.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from locations import FIXTURES, ROOT

from agent.bank.rubric import DIMENSIONS
from agent.cli.app import main as followup

sys.path.insert(0, str(ROOT / "scripts"))
import recording_server as rs  # noqa: E402

RUBRICS = str(FIXTURES / "rubrics")
SUITE = """suite: recorded
cases:
  - id: r1
    question: toy-question
    answer: "A toy is an object made for play, that is the definition."
    expect:
      scores: {definition: 2, implication: 0, example: 0, tradeoff: 0}
  - id: r2
    question: toy-question
    answer: "At my last job we sold 3,000 toys a month and returns dropped by half."
    expect:
      scores: {definition: 0, implication: 0, example: 3, tradeoff: 0}
  - id: r3
    question: toy-question
    answer: "Cheap toys break sooner, so if budget is tight I still buy sturdy ones."
    expect:
      scores: {definition: 0, implication: 1, example: 0, tradeoff: 2}
"""
LABELS = {
    "A toy is an object made for play": {"definition": 2},
    "At my last job we sold": {"example": 3},
    "Cheap toys break sooner": {"implication": 1, "tradeoff": 2},
}


def body(text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": text}], **extra}


def test_the_key_is_what_the_model_is_shown_not_how_it_samples() -> None:
    key = rs.request_key(body())
    assert key == rs.request_key({**body(), "model": "other", "temperature": 0.7})
    assert key != rs.request_key(body("hello!"))
    assert key != rs.request_key(body(response_format={"type": "json_object"}))
    assert re.fullmatch(r"[0-9a-f]{16}", key)


def test_the_simulated_prefix_cache_serves_only_what_was_seen_before() -> None:
    cache = rs.PrefixCache()
    shared = "s" * (rs.BLOCK_CHARS * 10)
    assert cache.reuse(shared + "first answer") == 0
    assert cache.reuse(shared + "second answer") == rs.BLOCK_CHARS * 10
    assert cache.reuse("x" + shared) == 0


def test_a_request_is_recorded_once_readable_and_answered_when_a_reply_exists(
    tmp_path: Path,
) -> None:
    recording = rs.Recording(tmp_path / "rec")
    request = body("grade this", response_format={"type": "json_object", "schema": {"a": 1}})
    first = recording.respond(request)
    assert first.status == 404 and ".reply.json" in first.error
    key = rs.request_key(request)
    prompt = (tmp_path / "rec" / f"{key}.prompt.md").read_text()
    assert "## user" in prompt and "grade this" in prompt and '"a": 1' in prompt
    assert json.loads((tmp_path / "rec" / f"{key}.request.json").read_text()) == request
    recording.reply_path(key).write_text('{"grades": {}}\n')
    assert recording.respond(request).content == '{"grades": {}}'
    assert recording.status() == ([key], [])
    assert (tmp_path / "rec" / "README.md").exists()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[rs.Recording, str]]:
    recording = rs.Recording(tmp_path / "rec")
    fake = rs.FakeChatServer(recording.respond)
    url = fake.start()
    yield recording, url
    fake.stop()


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """The suite file, with a gates.yaml beside it that any agreement passes."""
    (tmp_path / "gates.yaml").write_text("min_exact: 0\n")
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE)
    return path


def run_eval(url: str, suite: Path) -> tuple[int, str]:
    out = io.StringIO()
    argv = ["--rubrics", RUBRICS, "eval", str(suite), "--no-cache"]
    argv += ["--backend", "openai", "--base-url", url, "--model", "recorded"]
    status = followup(argv, io.StringIO(), out, io.StringIO())
    return status, out.getvalue()


def answer_everything(recording: rs.Recording) -> int:
    """Write a reply to every waiting prompt: the labels, each score backed by a quote."""
    _, waiting = recording.status()
    for key in waiting:
        request = json.loads((recording.folder / f"{key}.request.json").read_text())
        text = request["messages"][-1]["content"]
        answer = re.findall(r'<answer n="\d+">\n(.*?)\n</answer>', text, re.DOTALL)[-1]
        scores = next(s for start, s in LABELS.items() if answer.startswith(start))
        quote = " ".join(answer.split()[:6])
        grades = {
            d.value: {
                "score": scores.get(d.value, 0),
                "evidence": [quote] if scores.get(d.value, 0) else [],
            }
            for d in DIMENSIONS
        }
        recording.reply_path(key).write_text(json.dumps({"grades": grades}))
    return len(waiting)


@pytest.mark.network
def test_a_suite_is_recorded_then_replayed_to_the_agreement_of_its_answers(
    server: tuple[rs.Recording, str], suite: Path
) -> None:
    recording, url = server
    status, out = run_eval(url, suite)
    assert status == 2  # nothing answered yet: every case unscored
    assert "unscored 3" in out
    assert answer_everything(recording) == 3
    status, out = run_eval(url, suite)
    assert status == 0, out
    assert re.search(r"^all\s+1\.00\s+1\.00\s+1\.00", out, re.MULTILINE), out
    assert "unscored 0" in out
    assert recording.status()[1] == []  # the replay asked nothing new


@pytest.mark.network
def test_an_unusable_reply_is_asked_again_as_a_new_prompt(
    server: tuple[rs.Recording, str], suite: Path
) -> None:
    recording, url = server
    run_eval(url, suite)
    for key in recording.status()[1]:
        recording.reply_path(key).write_text("definition 2, I think")
    run_eval(url, suite)
    _, waiting = recording.status()
    assert len(waiting) == 3  # one retry prompt per case, each with the reason
    retry = (recording.folder / f"{waiting[0]}.prompt.md").read_text()
    assert "## assistant" in retry and "That reply could not be used" in retry


@pytest.mark.network
def test_the_command_line_runs_a_command_against_the_server_and_says_what_waits(
    tmp_path: Path, suite: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "rec"
    command = [sys.executable, "-m", "agent", "--rubrics", RUBRICS, "eval", str(suite)]
    command += ["--backend", "openai", "--no-cache"]
    assert rs.main([str(folder), "--", *command]) == 2
    assert "3 prompt(s), 0 answered, 3 waiting for a reply" in capfd.readouterr().err
    replay = (folder / "replay.sh").read_text()
    assert str(suite) in replay and "recording_server.py" in replay and "--rev" not in replay
    answer_everything(rs.Recording(folder))
    assert rs.main([str(folder), "--", *command]) == 0
    captured = capfd.readouterr()
    assert re.search(r"^all\s+1\.00", captured.out, re.MULTILINE), captured.out
    assert "3 prompt(s), 3 answered, 0 waiting" in captured.err
    assert rs.main([str(folder), "--status"]) == 0


def test_a_revision_is_exported_with_its_prompts(tmp_path: Path) -> None:
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True)
    if git.returncode:
        pytest.skip("not a git checkout")
    code = rs.export_revision("HEAD", tmp_path)
    assert (code / "agent" / "__init__.py").exists() and (code / "prompts").is_dir()
    with pytest.raises(RuntimeError):
        rs.export_revision("no-such-revision-anywhere", tmp_path / "x")
    assert rs.resolve_revision("HEAD") == git.stdout.decode().strip()
    with pytest.raises(RuntimeError):
        rs.resolve_revision("no-such-revision-anywhere")
    script = rs.write_replay_script(tmp_path / "rec", git.stdout.decode().strip(), ["followup"])
    assert f"--rev {git.stdout.decode().strip()} -- followup" in script.read_text()


def test_a_revision_is_not_run_by_python_m_agent_beside_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = ["python", "-m", "agent", "eval", "x.yaml"]
    monkeypatch.chdir(ROOT)
    with pytest.raises(RuntimeError, match="followup"):
        rs.check_runs_revision(command)
    rs.check_runs_revision(["followup", "eval", "x.yaml"])
    monkeypatch.chdir(tmp_path)
    rs.check_runs_revision(command)
