"""Which grader to use and how to reach it: CLI flags, then environment, then a config file.

Precedence, per setting: a command-line flag wins over the environment, which wins over the
config file (``--config FILE``, else ``config.toml`` in ``config_dir()`` when it exists:
``$XDG_CONFIG_HOME/followup`` on Linux, ``~/Library/Application Support/followup`` on macOS).

* ``backend``: ``--backend``, else ``backend`` in the config file, else ``offline``. The
  environment never switches the backend on its own (an ``OPENAI_API_KEY`` exported for other
  tools must not start paid calls), but ``--model`` or ``--base-url`` on the command line imply
  ``--backend openai``.
* ``model``: ``--model``, ``FOLLOWUP_MODEL``, ``model``.
* ``base_url``: ``--base-url``, ``OPENAI_BASE_URL``, ``base_url``.
* ``api_key``: ``OPENAI_API_KEY``, ``api_key`` (never a flag: flags end up in shell history).

The key is a ``SecretStr``: it prints as ``**********`` in any repr, log or error message.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator

from agent.errors import ConfigError
from agent.models import Frozen, first_error
from agent.resources import user_dir

BackendName = Literal["offline", "openai"]
"""The backends there are; `agent.grading.registry` builds each of them."""
StructuredOutput = Literal["auto", "json_schema", "json_object", "prompt"]
DEFAULT_TIMEOUT = 15.0
"""Seconds per request: a quick hosted model answers a turn in a few seconds; a model on a CPU
may need ``timeout = 120``. Two timed-out turns (about 30 s) and a session grades offline."""
PLACEHOLDER_KEY = "not-needed"
"""Sent to a local server (``base_url`` set, no key): such servers ignore the header."""


class LLMConfig(Frozen):
    """Everything the model backend needs. File-backed, so unknown keys are errors."""

    backend: BackendName = "offline"
    model: str | None = None
    base_url: str | None = None
    api_key: SecretStr | None = None
    timeout: Annotated[float, Field(gt=0)] = DEFAULT_TIMEOUT
    """Seconds per HTTP request. A request that times out is not retried: a hung server costs
    one timeout per turn, and a session stops calling it after two failed turns."""
    max_retries: Annotated[int, Field(ge=0, le=10)] = 2
    """Transport retries after a 408/409/429/5xx (honouring Retry-After) or a refused or
    dropped connection; never after a timeout."""
    reply_retries: Annotated[int, Field(ge=0, le=5)] = 2
    """Extra attempts when a reply is unusable (invalid, refused, cut off)."""
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.0
    max_tokens: Annotated[int, Field(ge=64)] = 1200
    structured_output: StructuredOutput = "auto"
    """``auto`` tries json_schema, then json_object with a schema, then plain prompting; any
    other value is used as it is, and a server that rejects it fails the turn."""

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        """Caught here, a typo is one error at startup rather than a fallback on every turn."""
        if url is None:
            return None
        try:
            parts = urlsplit(url.strip())
            usable = parts.scheme in ("http", "https") and bool(parts.hostname)
            parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
        except ValueError:  # "http://[::1", "http://host:port"
            usable = False
        if not usable:
            raise ValueError(
                f"{url!r} is not an http(s) URL with a host, e.g. http://localhost:8080/v1"
            )
        return url.strip()


def config_dir() -> Path:
    """The per-user configuration directory (see ``agent.resources``)."""
    return user_dir("config")


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def read_config_file(path: Path) -> dict[str, object]:
    """The settings in a TOML config file.

    Raises:
        ConfigError: unreadable or not TOML.
    """
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def load_config(
    flags: Mapping[str, object],
    env: Mapping[str, str],
    config_file: Path | None = None,
) -> LLMConfig:
    """Merge flags, environment and config file into one validated config.

    Args:
        flags: command-line values (None: not given); keys ``backend``, ``model``, ``base_url``.
        env: the environment (``os.environ`` in the CLI).
        config_file: ``--config``; None reads the default file when it exists.

    Raises:
        ConfigError: a bad config file, a bad value, or an openai backend without a model.
    """
    path = config_file or default_config_path()
    from_file: dict[str, object] = {}
    if config_file is not None or path.is_file():
        from_file = read_config_file(path)
    from_env: dict[str, object] = {
        "model": env.get("FOLLOWUP_MODEL"),
        "base_url": env.get("OPENAI_BASE_URL"),
        "api_key": env.get("OPENAI_API_KEY"),
    }
    merged: dict[str, object] = dict(from_file)
    for source in (from_env, flags):
        merged.update({k: v for k, v in source.items() if v not in (None, "")})
    if flags.get("backend") is None and (flags.get("model") or flags.get("base_url")):
        merged["backend"] = "openai"
    try:
        config = LLMConfig.model_validate(merged)
    except ValidationError as exc:
        where = f"{path}: " if from_file else ""
        raise ConfigError(f"{where}{first_error(exc)}") from None
    if config.backend == "openai" and not config.model:
        raise ConfigError(
            f"the openai backend needs a model: --model NAME, FOLLOWUP_MODEL, or model in {path}"
        )
    if config.backend == "openai" and config.api_key is None:
        if config.base_url is None:
            raise ConfigError(
                "the openai backend needs OPENAI_API_KEY (or --base-url for a local server)"
            )
        config = config.model_copy(update={"api_key": SecretStr(PLACEHOLDER_KEY)})
    return config
