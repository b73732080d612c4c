from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.rubric import Bank, Rubric, load_bank, load_rubric

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
