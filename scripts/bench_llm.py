"""Benchmark the model backend's prompt, before and after, against a fake server.

The fake server (``recording_server.FakeChatServer`` on 127.0.0.1) waits ``--latency`` seconds
per request and returns a reply built from the request's own schema, quoting the newest
answer's first sentence as definition evidence, so every turn parses and nothing is retried.
``followup eval --backend openai`` runs the answer suites (eval cases, no history) and the
dialogue suites (interview turns with history) twice: on the code of ``--baseline`` (the prompt
before issue 13, exported from git) and on this checkout. Per turn it prints HTTP requests,
characters of messages (the target: eval cases at least 40% fewer), characters of the reply
schema, prompt tokens (characters / 4, schema included), the part a prefix cache would serve
(simulated, see recording_server), and completion characters.

    .venv/bin/python scripts/bench_llm.py
    .venv/bin/python scripts/bench_llm.py --latency 0 --baseline none
    .venv/bin/python scripts/bench_llm.py --answers tests/fixtures/evals/llamacpp.yaml \\
        --dialogues --rubrics tests/fixtures/rubrics
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recording_server import ROOT, Answer, FakeChatServer, Seen, export_revision

BASELINE = "6c538ab"
"""The last commit with the prompt before issue 13 (a 2,497-character system prompt, the
schema restated in it, the question twice on a first turn)."""
ANSWERS = [ROOT / "evals" / n for n in ("answers-core.yaml", "answers-applied.yaml")] + [
    ROOT / "evals" / "answers-dev-a.yaml",
    ROOT / "evals" / "answers-dev-b.yaml",
    ROOT / "evals" / "holdout" / "holdout.yaml",
]
DIALOGUES = [ROOT / "evals" / "dialogues.yaml", ROOT / "evals" / "dialogues-across-turns.yaml"]
_ANSWER = re.compile(r"<(?:candidate_)?answer[^>]*>\n(.*?)\n</(?:candidate_)?answer>", re.DOTALL)


# --- a reply that fits whatever schema the request carries ------------------------------------


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    for part in ref.removeprefix("#/").split("/"):
        root = root[part]
    return root


def _fill(
    node: dict[str, Any], root: dict[str, Any], path: tuple[str, ...], quote: str, later: bool
) -> Any:
    """A value for one schema node: zeros, empty lists, a short text, the one quote on
    definition; a probe always, a conversation grade after the first answer (else null)."""
    node = _resolve(node, root)
    if "anyOf" in node:
        options = [_resolve(o, root) for o in node["anyOf"] if o.get("type") != "null"]
        if path == ("conversation",) and not later:
            return None
        node = options[0]
    kind = node.get("type")
    if kind == "object":
        names = node.get("required") or list(node.get("properties", {}))
        return {n: _fill(node["properties"][n], root, (*path, n), quote, later) for n in names}
    if kind == "integer":
        return 2 if quote and path[-2:] == ("definition", "score") else 0
    if kind == "array":
        return [quote] if quote and path[-2:] == ("definition", "evidence") else []
    if "enum" in node:
        return node["enum"][1 if len(node["enum"]) > 1 else 0]
    return "What does that change in practice?" if path[-1:] == ("text",) else "states it"


def fake_reply(body: dict[str, Any]) -> str:
    """A reply in the request's schema (or the old fixed shape when it carries none)."""
    prompt = str((body.get("messages") or [{}])[-1].get("content") or "")
    found = _ANSWER.findall(prompt)
    first = re.split(r"(?<=[.!?])\s", found[-1].strip(), maxsplit=1)[0][:120] if found else ""
    quote = first if len(first.split()) >= 2 else ""
    fmt = body.get("response_format") or {}
    schema = fmt.get("json_schema", {}).get("schema") if "json_schema" in fmt else fmt.get("schema")
    return json.dumps(_fill(schema, schema, (), quote, later=len(found) > 1))


# --- the runs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    version: str
    group: str
    wall: float
    seen: list[Seen]
    reported_calls: int
    unscored: int


def _eval(server: FakeChatServer, name: str, code: Path, paths: Sequence[Path], args: Any) -> Run:
    """``followup eval`` on ``code`` against the fake server, measured."""
    run_id = f"{name}-{len(server.seen)}"
    extra = ["--rubrics", str(args.rubrics.resolve())] if args.rubrics else []
    with tempfile.TemporaryDirectory(prefix="bench-llm-") as tmp:
        report = Path(tmp) / "report.json"
        # cwd=code: ``python -m`` puts the working directory first on sys.path
        command = [sys.executable, "-m", "agent", *extra, "eval", *(str(p) for p in paths)]
        command += ["--backend", "openai", "--model", "bench", "--base-url", server.url(run_id)]
        command += ["--no-cache", "--concurrency", str(args.concurrency), "--json", str(report)]
        command += ["--max-unscored", "1000000"]
        env = dict(os.environ, PYTHONPATH=str(code), OPENAI_API_KEY="bench")
        env.update(FOLLOWUP_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        start = time.perf_counter()
        done = subprocess.run(
            command, env=env, cwd=code, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{name}: followup eval failed:\n{done.stderr[-2000:]}")
        metrics = json.loads(report.read_text())["metrics"]
    usage = metrics.get("usage") or {}
    seen = [s for s in server.seen if s.run == run_id]
    return Run(name, "", wall, seen, usage.get("calls", 0), metrics.get("unscored", 0))


def _row(run: Run) -> str:
    turns = max(sum(1 for s in run.seen if not s.retry), 1)

    def per_turn(field: str) -> float:
        return sum(getattr(s, field) for s in run.seen) / turns

    return (
        f"{run.version:<8} {run.group:<9} {turns:>5} {len(run.seen) / turns:>8.2f} "
        f"{run.reported_calls / turns:>8.2f} {per_turn('message_chars'):>9.0f} "
        f"{per_turn('schema_chars'):>7.0f} {per_turn('prompt_tokens'):>8.0f} "
        f"{per_turn('cached_tokens'):>8.0f} {per_turn('completion_chars'):>8.0f} "
        f"{run.unscored:>4} {run.wall:>6.1f}"
    )


def _versions(baseline: str, tmp: Path) -> list[tuple[str, Path]]:
    versions = [("after", ROOT)]
    if baseline.lower() == "none":
        return versions
    try:
        return [("before", export_revision(baseline, tmp)), *versions]
    except RuntimeError as exc:
        print(f"no baseline ({exc}); measuring this checkout only", file=sys.stderr)
        return versions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=Path, nargs="*", default=ANSWERS)
    parser.add_argument("--dialogues", type=Path, nargs="*", default=DIALOGUES)
    parser.add_argument("--rubrics", type=Path, default=None)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--baseline", default=BASELINE, help="git revision, or none")
    args = parser.parse_args()

    server = FakeChatServer(lambda body: Answer(content=fake_reply(body)), latency=args.latency)
    server.start()
    groups = [
        (name, [p.resolve() for p in paths])
        for name, paths in (
            ("answers", args.answers),
            ("dialogues", args.dialogues),
        )
    ]
    runs: list[Run] = []
    print(f"fake server, {args.latency * 1000:.0f} ms per request, concurrency {args.concurrency}")
    print(
        f"{'version':<8} {'suites':<9} {'turns':>5} {'req/turn':>8} {'calls/t':>8} "
        f"{'msg chars':>9} {'schema':>7} {'prompt t':>8} {'cached t':>8} {'compl ch':>8} "
        f"{'unsc':>4} {'wall s':>6}"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
            for version, code in _versions(args.baseline, Path(tmp)):
                for group, paths in groups:
                    if not paths:
                        continue
                    run = _eval(server, version, code, paths, args)
                    run = Run(version, group, run.wall, run.seen, run.reported_calls, run.unscored)
                    runs.append(run)
                    print(_row(run), flush=True)
    finally:
        server.stop()
    _summary(runs)
    return 0


def _summary(runs: list[Run]) -> None:
    def chars(version: str, group: str) -> float | None:
        for run in runs:
            if run.version == version and run.group == group:
                first = [s for s in run.seen if not s.retry]
                return sum(s.message_chars for s in first) / max(len(first), 1)
        return None

    print("\nper turn; tokens are characters / 4 (schema included); 'cached t' is what a prefix")
    print("cache would serve; 'calls/t' is what the backend reported, 'req/turn' what arrived")
    for group in ("answers", "dialogues"):
        before, after = chars("before", group), chars("after", group)
        if before and after:
            print(
                f"{group}: {before:.0f} -> {after:.0f} characters of messages per turn "
                f"({(1 - after / before) * 100:.0f}% fewer)"
            )


if __name__ == "__main__":
    raise SystemExit(main())
