"""One rule for where a user's data, config and cache go, per platform."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agent.resources import user_dir


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "APPDATA", "LOCALAPPDATA"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def test_linux_follows_xdg(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert user_dir("data") == home / ".local" / "share" / "followup"
    assert user_dir("config") == home / ".config" / "followup"
    assert user_dir("cache") == home / ".cache" / "followup"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "c"))
    assert user_dir("cache") == home / "c" / "followup"


def test_macos_uses_library(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    support = home / "Library" / "Application Support" / "followup"
    assert user_dir("data") == support and user_dir("config") == support
    assert user_dir("cache") == home / "Library" / "Caches" / "followup"


def test_windows_uses_appdata(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    assert user_dir("config") == home / "AppData" / "Roaming" / "followup"
    monkeypatch.setenv("LOCALAPPDATA", str(home / "L"))
    assert user_dir("data") == home / "L" / "followup"
