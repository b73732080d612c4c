from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.bank.rubric import Bank, Rubric, load_bank, load_rubric

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def toy() -> Rubric:
    return load_rubric(FIXTURES / "rubrics" / "toy-question.yaml")


@pytest.fixture(scope="session")
def bank() -> Bank:
    return load_bank()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Transcripts written by a test land in its own temp dir, never in the real home."""
    monkeypatch.setenv("FOLLOWUP_HOME", str(tmp_path / "home"))
    yield


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "network: may open real connections (e.g. to a loopback server it starts)"
    )


@pytest.fixture(autouse=True)
def _no_real_network(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Fail any test that opens a real connection, unless it is marked network or llamacpp.

    respx intercepts httpx (and so the openai client) above the socket layer; anything that
    gets past it reaches ``socket.connect`` here. The SDK would turn the error into a connection
    failure and the backend into an offline fallback, so the attempt is also recorded and the
    test failed at teardown: a missed mock can never pass quietly. Model settings from the
    developer's environment and config file are hidden too.
    """
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "FOLLOWUP_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    if request.node.get_closest_marker("network") or request.node.get_closest_marker("llamacpp"):
        yield
        return
    attempts: list[object] = []

    def blocked(self: socket.socket, address: object, *args: object) -> None:
        attempts.append(address)
        raise ConnectionRefusedError(f"real network access is blocked in tests: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", blocked)
    monkeypatch.setattr(socket.socket, "connect_ex", blocked)
    yield
    if attempts:
        pytest.fail(f"the test tried to open real connections: {attempts}")
