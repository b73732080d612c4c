"""Backend configuration: flags over environment over config file; offline by default."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from agent.cli.app import build_parser
from agent.cli.options import backend_for
from agent.errors import ConfigError
from agent.grading.fallback import FallbackBackend
from agent.grading.llm.openai_backend import OpenAIBackend
from agent.grading.offline import OfflineBackend
from agent.grading.settings import (
    PLACEHOLDER_KEY,
    config_dir,
    default_config_path,
    load_config,
)

NO_FLAGS: dict[str, object] = {"backend": None, "model": None, "base_url": None}


def flags(**given: object) -> dict[str, object]:
    return {**NO_FLAGS, **given}


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config" / "followup" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_offline_when_nothing_is_configured_even_with_a_key_exported() -> None:
    config = load_config(NO_FLAGS, {"OPENAI_API_KEY": "sk-x", "FOLLOWUP_MODEL": "gpt-x"})
    assert config.backend == "offline"


def test_flags_beat_environment_beat_config_file(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        'backend = "openai"\nmodel = "from-file"\nbase_url = "http://file/v1"\ntimeout = 9\n',
    )
    env = {"FOLLOWUP_MODEL": "from-env", "OPENAI_API_KEY": "sk-env"}
    from_file_and_env = load_config(NO_FLAGS, env)
    assert from_file_and_env.backend == "openai"
    assert from_file_and_env.model == "from-env"
    assert from_file_and_env.base_url == "http://file/v1"
    assert from_file_and_env.timeout == 9
    assert from_file_and_env.api_key is not None
    assert from_file_and_env.api_key.get_secret_value() == "sk-env"
    with_flags = load_config(flags(model="from-flag", base_url="http://flag/v1"), env)
    assert (with_flags.model, with_flags.base_url) == ("from-flag", "http://flag/v1")
    offline = load_config(flags(backend="offline"), env)
    assert offline.backend == "offline"


def test_model_or_base_url_on_the_command_line_implies_openai() -> None:
    config = load_config(flags(model="llama3", base_url="http://localhost:11434/v1"), {})
    assert config.backend == "openai"
    assert config.api_key is not None and config.api_key.get_secret_value() == PLACEHOLDER_KEY


def test_openai_needs_a_model_and_a_key_or_a_local_url() -> None:
    with pytest.raises(ConfigError, match="needs a model"):
        load_config(flags(backend="openai"), {"OPENAI_API_KEY": "sk-x"})
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        load_config(flags(backend="openai", model="gpt-x"), {})


def test_a_bad_config_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'modle = "typo"\n')
    with pytest.raises(ConfigError, match="modle") as caught:
        load_config(NO_FLAGS, {})
    assert str(path) in str(caught.value)
    broken = tmp_path / "broken.toml"
    broken.write_text("model = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(NO_FLAGS, {}, broken)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(NO_FLAGS, {}, tmp_path / "missing.toml")


def test_the_key_is_secret_in_every_rendering(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'backend = "openai"\nmodel = "m"\napi_key = "sk-file-SECRET"\n')
    config = load_config(NO_FLAGS, {}, path)
    for text in (repr(config), str(config), config.model_dump_json()):
        assert "sk-file-SECRET" not in text
    assert config.api_key is not None and config.api_key.get_secret_value() == "sk-file-SECRET"


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_backend_for_cli_options(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(backend_for(parse("chat")), OfflineBackend)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli")
    backend = backend_for(parse("chat", "--backend", "openai", "--model", "gpt-x"))
    assert isinstance(backend, FallbackBackend) and isinstance(backend.primary, OpenAIBackend)
    assert (backend.name, backend.model) == ("openai", "gpt-x")
    assert "sk-cli" not in repr(backend)
    with pytest.raises(ConfigError, match="needs a model"):
        backend_for(parse("eval", "evals", "--backend", "openai"))


def test_eval_concurrency_and_cache_options() -> None:
    args = parse("eval", "evals")
    assert args.concurrency is None and args.no_cache is False
    args = parse("eval", "evals", "--no-cache", "--concurrency", "2", "--config", "x.toml")
    assert args.concurrency == 2 and args.no_cache is True and args.config == Path("x.toml")


@pytest.mark.parametrize("url", ["not a url", "ftp://x", "http://", "localhost:8080/v1"])
def test_a_base_url_that_is_not_http_with_a_host_is_an_error(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"base_url: .*not an http\(s\) URL"):
        load_config(flags(base_url=url, model="m"), {})
    with pytest.raises(ConfigError, match="base_url"):
        load_config(NO_FLAGS, {"OPENAI_BASE_URL": url})
    path = write_config(tmp_path, f'backend = "openai"\nmodel = "m"\nbase_url = "{url}"\n')
    with pytest.raises(ConfigError, match="base_url") as caught:
        load_config(NO_FLAGS, {})
    assert str(path) in str(caught.value)


def test_a_usable_base_url_is_kept() -> None:
    for url in ("http://localhost:8080/v1", "https://api.example.com/v1"):
        assert load_config(flags(base_url=url, model="m"), {}).base_url == url


def test_the_config_dir_on_macos_is_application_support(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    monkeypatch.setattr(sys, "platform", "darwin")
    expected = tmp_path / "Library" / "Application Support" / "followup"
    assert config_dir() == expected
    assert default_config_path() == expected / "config.toml"
    monkeypatch.setattr(sys, "platform", "linux")
    assert config_dir() == tmp_path / "xdg" / "followup"
