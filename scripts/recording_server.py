"""A fake OpenAI-compatible server that records every request and answers from recorded replies.

It measures a prompt change with a capable model, or a person, and no API: record the prompts
of a suite, have them answered, replay the suite through ``followup eval`` and read the
agreement with the labels.

    python scripts/recording_server.py DIR -- followup eval SUITE --backend openai --no-cache
    python scripts/recording_server.py DIR --rev 6c538ab -- followup eval SUITE ...
    python scripts/recording_server.py DIR --status
    python scripts/recording_server.py DIR --port 8765          # serve until Ctrl-C

Every ``POST .../chat/completions`` is keyed by the sha256 of its messages and
``response_format`` (canonical JSON; model name, temperature and max_tokens do not count) and,
the first time it is seen, written to DIR as

    <key>.prompt.md      the request for a reader: each message, then the reply schema
    <key>.request.json   the request body exactly as sent

where <key> is the first 16 hex digits of the hash. Whoever answers writes the reply, the JSON
object the model would return and nothing else, to ``<key>.reply.json`` beside it. A request
whose reply exists gets that file's text as the reply's content, as it is (the backend checks
it like any model's reply, and a reply it cannot use makes it ask again: a new prompt, with the
old reply and the reason in it). A request with no reply yet gets a 404, which the backend
counts as a failed turn (graded offline, so unscored in eval).

With a COMMAND after ``--``, the server listens on a free loopback port, the command runs with
``OPENAI_BASE_URL`` set to it (and ``FOLLOWUP_MODEL=recorded`` unless set), and when it ends
the server says how many prompts still wait for a reply. ``DIR/replay.sh`` keeps the exact
command (the revision as a full commit id): running it again replays the answered prompts.
``--rev REV`` runs the command on the code of a git revision (its agent/, prompts/ and rubrics/
exported to a temporary directory put first on ``PYTHONPATH``): how the prompts of an older
version are recorded and replayed.

A canned dialogue's later turns depend on the replies to its earlier ones: answer, run again,
and the next turn's prompts appear. Answer cases need one round.

Usage in every reply is estimated: characters / 4 for tokens, and ``cached_tokens`` from a
simulated prefix cache (the prompt cut into blocks of ``BLOCK_CHARS``; a block counts as cached
when the whole prompt up to its end was seen before in this run), so a prompt's prefix reuse
shows without a real server.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEY_DIGITS = 16
BLOCK_CHARS = 64
"""About 16 tokens: the granularity of the simulated prefix cache (vLLM's block size)."""
EXPORTED = ("agent", "prompts", "rubrics")


# --- requests ---------------------------------------------------------------------------------


def request_key(body: dict[str, Any]) -> str:
    """The recording's name for a request: what the model is shown, nothing about sampling."""
    shown = {"messages": body.get("messages"), "response_format": body.get("response_format")}
    blob = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:KEY_DIGITS]


def message_text(body: dict[str, Any]) -> str:
    """Every message's content, in order (what the prompt-character counts measure)."""
    return "".join(str(m.get("content") or "") for m in body.get("messages") or [])


def schema_of(body: dict[str, Any]) -> dict[str, Any] | None:
    """The reply schema a request carries in ``response_format``, if any."""
    fmt = body.get("response_format") or {}
    schema = fmt.get("json_schema", {}).get("schema") if "json_schema" in fmt else fmt.get("schema")
    return schema if isinstance(schema, dict) else None


def prompt_text(body: dict[str, Any]) -> str:
    """The request as a model reads it, schema first (where OpenAI caches it)."""
    schema = schema_of(body)
    head = json.dumps(schema, separators=(",", ":")) if schema else ""
    lines = [f"{m.get('role')}: {m.get('content') or ''}" for m in body.get("messages") or []]
    return "\n".join([head, *lines])


class PrefixCache:
    """A simulated server prefix cache: which block-aligned prefixes were seen before."""

    def __init__(self) -> None:
        self._seen: set[bytes] = set()
        self._lock = threading.Lock()

    def reuse(self, text: str) -> int:
        """Characters of ``text`` a prefix cache would have served; then remember ``text``."""
        chain = hashlib.sha1()
        hashes = []
        for start in range(0, len(text) - len(text) % BLOCK_CHARS, BLOCK_CHARS):
            chain.update(text[start : start + BLOCK_CHARS].encode("utf-8"))
            hashes.append(chain.copy().digest())
        with self._lock:
            hits = 0
            for h in hashes:
                if h not in self._seen:
                    break
                hits += 1
            self._seen.update(hashes)
        return hits * BLOCK_CHARS


# --- the server -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What the server sends back: reply content (status 200) or an error."""

    status: int = 200
    content: str = ""
    error: str = ""


@dataclass(frozen=True)
class Seen:
    """One request as the server measured it."""

    run: str
    key: str
    retry: bool
    """The request carries an earlier reply (the backend asking again)."""
    message_chars: int
    schema_chars: int
    prompt_tokens: int
    cached_tokens: int
    completion_chars: int
    status: int


Responder = Callable[[dict[str, Any]], Answer]


@dataclass
class FakeChatServer:
    """A threaded chat-completions server on 127.0.0.1 that asks ``responder`` for each reply.

    The path before ``/chat/completions`` names a run (``/run-a/v1/chat/completions`` is run
    ``run-a``): each run has its own prefix cache, and ``seen`` says which run a request was in.
    """

    responder: Responder
    latency: float = 0.0
    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    _caches: dict[str, PrefixCache] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        """Start serving; returns the base URL (``http://127.0.0.1:PORT/v1``)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def url(self, run: str) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/{run}/v1"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def handle(self, run: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The status and JSON body answering one request (and its measurement, kept)."""
        time.sleep(self.latency)
        answer = self.responder(body)
        text = prompt_text(body)
        with self._lock:
            cache = self._caches.setdefault(run, PrefixCache())
        reused = cache.reuse(text)
        schema = schema_of(body)
        seen = Seen(
            run=run,
            key=request_key(body),
            retry=any(m.get("role") == "assistant" for m in body.get("messages") or []),
            message_chars=len(message_text(body)),
            schema_chars=len(json.dumps(schema, separators=(",", ":"))) if schema else 0,
            prompt_tokens=len(text) // 4,
            cached_tokens=reused // 4,
            completion_chars=len(answer.content),
            status=answer.status,
        )
        with self._lock:
            self.seen.append(seen)
        if answer.status != 200:
            return answer.status, {"error": {"message": answer.error, "type": "not_found"}}
        return 200, _completion(body, answer.content, seen)


def _completion(body: dict[str, Any], content: str, seen: Seen) -> dict[str, Any]:
    completion_tokens = len(content) // 4
    return {
        "id": f"chatcmpl-{seen.key}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model", "recorded")),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": seen.prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": seen.prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": seen.cached_tokens},
        },
    }


def _handler(server: FakeChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            return

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            length = int(self.headers.get("content-length", 0))
            try:
                body = json.loads(self.rfile.read(length))
            except json.JSONDecodeError:
                self._send(400, {"error": {"message": "the body is not JSON"}})
                return
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            run = self.path.strip("/").split("/")[0] if self.path.count("/") > 3 else ""
            status, reply = server.handle(run, body)
            self._send(status, reply)

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


# --- the recording ----------------------------------------------------------------------------

FOLDER_README = """# Recorded prompts

Each `<key>.prompt.md` is one request a model was sent (`<key>.request.json` is the same
request as sent). To answer one, write the reply the model should give, one JSON object that
fits the schema at the end of the prompt and nothing else, to `<key>.reply.json` beside it.
Answer each prompt on its own, as the prompt says; nothing else in this folder is part of it.

Replay: `sh replay.sh` runs the command that recorded this folder again (the same code and
suite), now answered from the replies; it prints the eval table, agreement with the labels.
"""


class Recording:
    """A folder of recorded requests and the replies written for them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def prompt_path(self, key: str) -> Path:
        return self.folder / f"{key}.prompt.md"

    def reply_path(self, key: str) -> Path:
        return self.folder / f"{key}.reply.json"

    def record(self, body: dict[str, Any]) -> str:
        """Write the request's files unless they exist; returns its key."""
        key = request_key(body)
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            readme = self.folder / "README.md"
            if not readme.exists():
                readme.write_text(FOLDER_README, encoding="utf-8")
            if not self.prompt_path(key).exists():
                request = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
                (self.folder / f"{key}.request.json").write_text(request, encoding="utf-8")
                self.prompt_path(key).write_text(readable(key, body), encoding="utf-8")
        return key

    def respond(self, body: dict[str, Any]) -> Answer:
        """The recorded reply to a request, or a 404 naming the file to write."""
        key = self.record(body)
        try:
            return Answer(content=self.reply_path(key).read_text(encoding="utf-8").strip())
        except FileNotFoundError:
            return Answer(404, error=f"no recorded reply yet: write {self.reply_path(key)}")

    def status(self) -> tuple[list[str], list[str]]:
        """The keys answered and the keys still waiting for a reply."""
        keys = sorted(p.name.removesuffix(".prompt.md") for p in self.folder.glob("*.prompt.md"))
        answered = [k for k in keys if self.reply_path(k).exists()]
        return answered, [k for k in keys if k not in answered]


FENCE = "``````"


def readable(key: str, body: dict[str, Any]) -> str:
    """A request as a person reads it: what to do, each message, then the reply schema."""
    parts = [
        f"# Prompt {key}",
        "",
        f"Reply as the model: write one JSON object, nothing else, to `{key}.reply.json`.",
    ]
    for message in body.get("messages") or []:
        content = str(message.get("content") or "")
        parts += ["", f"## {message.get('role')}", "", FENCE, content.rstrip("\n"), FENCE]
    schema = schema_of(body)
    if schema is not None:
        kind = (body.get("response_format") or {}).get("type")
        heading = f"## reply schema (response_format {kind})"
        parts += ["", heading, "", FENCE + "json", json.dumps(schema, indent=2), FENCE]
    return "\n".join(parts) + "\n"


# --- running a command against it -------------------------------------------------------------


def resolve_revision(rev: str) -> str:
    """The full commit id a revision names (so a recording made with HEAD stays replayable).

    Raises:
        RuntimeError: git cannot resolve it.
    """
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git cannot find the revision {rev!r}")
    return done.stdout.strip()


def write_replay_script(folder: Path, rev: str | None, command: Sequence[str]) -> Path:
    """``folder/replay.sh``: the exact command that recorded the folder, to run it again."""
    argv = [sys.executable, str(Path(__file__).resolve()), str(folder.resolve())]
    argv += ["--rev", rev] if rev else []
    script = folder / "replay.sh"
    folder.mkdir(parents=True, exist_ok=True)
    script.write_text(
        "#!/bin/sh\n# How this folder was recorded; run it again to replay the answered prompts.\n"
        f"cd {shlex.quote(str(Path.cwd()))} || exit 2\n"
        f"exec {shlex.join([*argv, '--', *command])}\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def export_revision(rev: str, into: Path) -> Path:
    """The code of a git revision (agent/, prompts/, rubrics/) written under ``into``.

    Raises:
        RuntimeError: git cannot produce it (not a checkout, or no such revision).
    """
    done = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, *EXPORTED],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git archive {rev}: {done.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=BytesIO(done.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def check_runs_revision(command: Sequence[str]) -> None:
    """Refuse ``python -m agent`` run beside a checkout's agent/ with --rev: ``-m`` puts the
    working directory first on sys.path, so the checkout's code would run, not the revision's.

    Raises:
        RuntimeError: the command would run the wrong code.
    """
    if "-m" in command and "agent" in command and (Path.cwd() / "agent").is_dir():
        raise RuntimeError(
            "with --rev, run `followup ...` (or python -m agent from another directory): "
            "python -m agent here would import ./agent, not the revision's code"
        )


def command_env(url: str, code: Path | None) -> dict[str, str]:
    """The environment a command runs in: pointed at the server, on ``code`` when given."""
    env = dict(os.environ)
    env["OPENAI_BASE_URL"] = url
    env.setdefault("FOLLOWUP_MODEL", "recorded")
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), env.get("PYTHONPATH")]))
    return env


def _report(recording: Recording, out: Any) -> None:
    answered, waiting = recording.status()
    total = len(answered) + len(waiting)
    print(
        f"{recording.folder}: {total} prompt(s), {len(answered)} answered, "
        f"{len(waiting)} waiting for a reply",
        file=out,
    )
    for key in waiting[:5]:
        print(f"  waiting: {recording.prompt_path(key)}", file=out)
    if len(waiting) > 5:
        print(f"  ... and {len(waiting) - 5} more", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if "--" in args:
        at = args.index("--")
        args, command = args[:at], args[at + 1 :]
    parser = argparse.ArgumentParser(
        description="Record chat requests to DIR and answer them from replies written there.",
        epilog="Anything after -- is a command run against the server (see the module doc).",
    )
    parser.add_argument("folder", type=Path, metavar="DIR")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: free)")
    parser.add_argument("--rev", help="run the command on this git revision's code")
    parser.add_argument("--status", action="store_true", help="say what is answered, and exit")
    parsed = parser.parse_args(args)
    recording = Recording(parsed.folder)
    if parsed.status:
        _report(recording, sys.stdout)
        return 0
    server = FakeChatServer(recording.respond, port=parsed.port)
    url = server.start()
    try:
        if not command:
            print(f"recording to {parsed.folder} at {url} (Ctrl-C stops)", file=sys.stderr)
            threading.Event().wait()
        with tempfile.TemporaryDirectory(prefix="followup-rev-") as tmp:
            code, rev = None, None
            if parsed.rev:
                check_runs_revision(command)
                rev = resolve_revision(parsed.rev)
                code = export_revision(rev, Path(tmp))
            write_replay_script(parsed.folder, rev, command)
            status = subprocess.run(command, env=command_env(url, code), check=False).returncode
    except KeyboardInterrupt:
        status = 0
    except (RuntimeError, OSError) as exc:
        print(f"recording_server: {exc}", file=sys.stderr)
        status = 2
    finally:
        server.stop()
    _report(recording, sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
