"""Benchmark the model backend's eval path against a fake OpenAI-compatible server.

A stdlib HTTP server on 127.0.0.1 plays the model: every chat completion waits ``--latency``
seconds (default 0.2) and returns a valid reply that quotes the candidate's first sentence, so
every turn parses and nothing is retried. The script runs an eval suite at concurrency 1 and 4
(no reply cache) and prints wall time, calls per turn and tokens per turn.

Token counts come from the fake server and are estimates (characters / 4); the real numbers for
a real tokenizer come from the llama.cpp tier's transcripts.

    .venv/bin/python scripts/bench_llm.py                # evals/ with the built-in bank
    .venv/bin/python scripts/bench_llm.py --latency 0.5 \\
        --suite tests/fixtures/evals/llamacpp.yaml --rubrics tests/fixtures/rubrics
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.bank.rubric import DIMENSIONS, Rubric, load_bank  # noqa: E402
from agent.evals import Gates, run_suites  # noqa: E402
from agent.evals.cases import load_suites  # noqa: E402
from agent.grading.backend import Assessment, TurnRequest  # noqa: E402
from agent.grading.llm.openai_backend import OpenAIBackend  # noqa: E402
from agent.grading.settings import LLMConfig  # noqa: E402

_ANSWER = re.compile(r"<candidate_answer>\n(.*?)\n</candidate_answer>", re.DOTALL)


def fake_reply(prompt: str) -> str:
    """A schema-valid reply quoting the answer's first sentence as definition evidence."""
    found = _ANSWER.search(prompt)
    answer = found.group(1) if found else ""
    first = re.split(r"(?<=[.!?])\s", answer.strip(), maxsplit=1)[0][:120]
    grades: dict[str, Any] = {
        d.value: {"score": 0, "evidence": [], "reason": "not addressed"} for d in DIMENSIONS
    }
    if len(first.split()) >= 2:
        grades["definition"] = {"score": 2, "evidence": [first], "reason": "states it"}
    probe = {"dimension": "implication", "text": "What does that change in practice?"}
    return json.dumps({"grades": grades, "probe": probe})


class FakeOpenAI(BaseHTTPRequestHandler):
    latency = 0.2
    calls = 0
    lock = threading.Lock()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        with FakeOpenAI.lock:
            FakeOpenAI.calls += 1
        time.sleep(self.latency)
        prompt = "".join(m["content"] for m in body["messages"])
        content = fake_reply(prompt)
        reply = {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": len(prompt) // 4,
                "completion_tokens": len(content) // 4,
                "total_tokens": (len(prompt) + len(content)) // 4,
            },
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Counting:
    """Wraps a backend to count turns (assess calls)."""

    def __init__(self, inner: OpenAIBackend) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.turns = 0
        self._lock = threading.Lock()

    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
        with self._lock:
            self.turns += 1
        return self.inner.assess(rubric, request)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, nargs="+", default=[ROOT / "evals"])
    parser.add_argument("--rubrics", type=Path, default=None)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per call")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()

    FakeOpenAI.latency = args.latency
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    bank = load_bank(args.rubrics)
    suites = load_suites(list(args.suite), bank)
    cases = sum(len(s.cases) for s in suites)
    print(f"fake server {url}, {args.latency * 1000:.0f} ms per call; {cases} cases")
    print(
        f"{'concurrency':>11} {'wall s':>8} {'turns':>6} {'calls/turn':>11} "
        f"{'prompt tok/turn':>16} {'completion tok/turn':>20} {'unscored':>9}"
    )
    try:
        for concurrency in args.concurrency:
            config = LLMConfig(
                backend="openai", model="bench", base_url=url, api_key=SecretStr("bench")
            )
            backend = Counting(OpenAIBackend(config))
            start = time.perf_counter()
            report = run_suites(suites, bank, backend, Gates(), concurrency=concurrency)
            wall = time.perf_counter() - start
            usage = backend.inner.usage
            turns = max(backend.turns, 1)
            print(
                f"{concurrency:>11} {wall:>8.2f} {backend.turns:>6} {usage.calls / turns:>11.2f} "
                f"{usage.prompt_tokens / turns:>16.0f} {usage.completion_tokens / turns:>20.0f} "
                f"{report.metrics.unscored:>9}"
            )
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
