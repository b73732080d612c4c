"""A disk cache of model replies, so re-running an unchanged eval suite makes no calls.

The key is the sha256 of the model, the base URL, the rendered messages, the reply schema and
the sampling parameters. The API key is never part of the key or the entry. The
structured-output mode (json_schema / json_object / prompt) is left out on purpose: it is
negotiated with the server, not chosen by the user, and the reply asked for is the same. Only
replies that parsed are stored; entries are written atomically, so concurrent workers never
read half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from agent.models import Frozen
from agent.resources import user_dir

CACHE_VERSION = 2
"""2: replies carry the conversation's grades, eval's replies no probe (issue 13)."""


class CachedReply(Frozen):
    content: str
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0


def cache_dir() -> Path:
    """Where parsed model replies are cached (see ``agent.resources``)."""
    return user_dir("cache") / "replies"


def cache_key(
    model: str,
    base_url: str | None,
    messages: list[dict[str, str]],
    parameters: dict[str, object],
) -> str:
    """The sha256 naming one request's entry."""
    payload = {
        "version": CACHE_VERSION,
        "model": model,
        "base_url": base_url,
        "messages": messages,
        "parameters": parameters,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ReplyCache:
    """Replies on disk, one JSON file per key."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or cache_dir()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> CachedReply | None:
        """The stored reply, or None (missing or unreadable entries are misses)."""
        try:
            return CachedReply.model_validate_json(self._path(key).read_bytes())
        except (OSError, ValidationError):
            return None

    def put(self, key: str, reply: CachedReply) -> None:
        """Store a reply; a cache that cannot be written is not an error."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(reply.model_dump_json())
            os.replace(tmp, path)
        except OSError:
            return
