"""The built wheel carries the question bank, the prompts and the report templates."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source tree")
def test_wheel_ships_rubrics_prompts_and_templates(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("followup-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    rubrics = {p.name for p in (ROOT / "rubrics").glob("*.yaml")}
    assert len(rubrics) == 25
    assert {f"agent/rubrics/{n}" for n in rubrics} <= names
    prompts = {p.name for p in (ROOT / "prompts").glob("*.j2")}
    assert prompts and {f"agent/prompts/{n}" for n in prompts} <= names
    assert any(n.startswith("agent/replay/templates/report.html") for n in names)
    assert "agent/rubrics/rubric.schema.json" in names
    entry = [n for n in names if n.endswith("entry_points.txt")]
    assert entry
    text = zipfile.ZipFile(wheel).read(entry[0]).decode()
    assert "followup = agent.cli:main" in text


def test_the_installed_package_checks_a_rubric(tmp_path: Path) -> None:
    """``followup rubric check`` runs from what is installed (this venv holds the wheel)."""
    rubric = ROOT / "rubrics" / "random-forest.yaml"
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "rubric",
            "check",
            str(rubric),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert "ok: " in ok.stdout and "[reference_answer]" in ok.stdout
    bad = tmp_path / "bad.yaml"
    text = rubric.read_text(encoding="utf-8")
    bad.write_text(text.replace("\ntopic:", "\ntopik:", 1), encoding="utf-8")
    broken = subprocess.run(
        [sys.executable, "-m", "agent", "rubric", "check", str(bad)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert broken.returncode == 2
    assert f"{bad}: topik: unknown key" in broken.stdout
