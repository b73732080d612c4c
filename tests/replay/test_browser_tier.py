"""The browser tier: replay's HTML report laid out by a real, headless Chromium.

Skipped unless ``FOLLOWUP_BROWSER=1`` (``scripts/browser_tier.sh`` installs Debian's chromium
when it is missing and sets it). Headless Chromium will not make a window narrower than 500 px,
so each report is loaded into an iframe of the width under test inside a small wrapper page;
the report's own media queries see the iframe's width, as they would a phone's. A measuring
script in the wrapper (``browser/measure.js``; the report itself has none) reads the browser's
layout and writes the result into the wrapper, which ``--dump-dom`` prints:

* nothing scrolls sideways: not the page, not any box in it, and nothing sticks out past the
  right edge;
* no word is drawn on two lines, except at a ``/`` or ``-`` (paths, ids) or an explicit
  ``<wbr>``;
* below 40rem the tables are labelled cards, above it they are tables.

Screenshots of both widths are saved under ``build/screenshots/`` (a CI artefact).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from locations import FIXTURES, ROOT

from agent.cli.app import main

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("FOLLOWUP_BROWSER") != "1",
        reason="the browser tier runs with FOLLOWUP_BROWSER=1 (scripts/browser_tier.sh)",
    ),
]

MEASURE = (Path(__file__).parent / "browser" / "measure.js").read_text(encoding="utf-8")
SCREENSHOTS = ROOT / "build" / "screenshots"
SHOT_HEIGHT = 3000
WIDTHS = (375, 420, 768, 1280)
PHONE, DESKTOP = 420, 1280
CARD_BREAKPOINT = 640  # 40rem
FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--hide-scrollbars",  # phones overlay their scrollbars; a desktop one would eat 15 px
    "--allow-file-access-from-files",  # the wrapper reads the report in its iframe
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=20000",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail("no chromium: run scripts/browser_tier.sh, which installs it")
    return found


def browse(chromium: str, *args: str) -> str:
    done = subprocess.run(
        [chromium, *FLAGS, *args], capture_output=True, text=True, timeout=180, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"chromium exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def wrapper(
    folder: Path,
    report: Path,
    width: int,
    *,
    script: str = "",
    open_all: bool = False,
    height: int = 600,
) -> Path:
    page = folder / f"wrap-{report.stem}-{width}.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        '<body style="margin:0;background:#c8ccd0">'
        f'<iframe id="report" data-open="{int(open_all)}" src="{report.resolve().as_uri()}" '
        f'style="display:block;width:{width}px;height:{height}px;border:0;background:#fff">'
        '</iframe><pre id="result"></pre>'
        + (
            f'<script>window.addEventListener("load", function () {{\n{script}\n}});</script>'
            if script
            else ""
        )
        + "</body></html>",
        encoding="utf-8",
    )
    return page


def measure(
    chromium: str, report: Path, width: int, scratch: Path, *, open_all: bool = False
) -> dict[str, Any]:
    page = wrapper(scratch, report, width, script=MEASURE, open_all=open_all)
    dom = browse(chromium, "--dump-dom", page.as_uri())
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.DOTALL)
    assert found and found[1], f"the measuring script wrote nothing for {report.name}"
    result: dict[str, Any] = json.loads(html.unescape(found[1]))
    return result


def screenshots(
    chromium: str, report: Path, width: int, height: int, name: str, scratch: Path
) -> list[Path]:
    """The whole page at ``width``, top to bottom, in PNGs of at most ``SHOT_HEIGHT`` px."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob(f"{name}-*.png"):
        old.unlink()
    shots = []
    for n, top in enumerate(range(0, height, SHOT_HEIGHT), start=1):
        tall = min(SHOT_HEIGHT, height - top)
        page = scratch / f"shot-{report.stem}-{width}-{n}.html"
        frame = (
            f'<iframe src="{report.resolve().as_uri()}" style="display:block;width:{width}px;'
            f'height:{height}px;border:0;background:#fff;margin-top:-{top}px"></iframe>'
        )
        page.write_text(
            '<!DOCTYPE html><html><body style="margin:0;background:#c8ccd0">'
            f'<div style="height:{tall}px;overflow:hidden">{frame}</div></body></html>',
            encoding="utf-8",
        )
        out = SCREENSHOTS / f"{name}-{n:02d}.png"
        browse(
            chromium,
            f"--window-size={max(width, 500)},{tall}",
            f"--screenshot={out}",
            page.as_uri(),
        )
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        shots.append(out)
    return shots


def replay_to(out: Path, *paths: str, cwd: Path) -> Path:
    """``followup replay PATHS -o OUT`` run from ``cwd``, so the report shows relative paths."""
    before = Path.cwd()
    os.chdir(cwd)
    try:
        status = main(["replay", *paths, "-o", str(out)])
    finally:
        os.chdir(before)
    assert status == 0 and out.exists()
    return out


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the wrapper pages go (never beside a report that lives in the repository)."""
    return tmp_path_factory.mktemp("pages")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's sample, rendered as the README says (relative paths, from the root)."""
    out = tmp_path_factory.mktemp("sample") / "sample-report.html"
    return replay_to(out, "docs/sample", cwd=ROOT)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several candidates and questions: the widest tables a coach gets."""
    folder = tmp_path_factory.mktemp("cohort")
    coach = folder / "coaching"
    for name in ("alice", "bob", "carmen-lopez-garcia"):
        (coach / name).mkdir(parents=True)
    sam = ROOT / "docs" / "sample" / "sam"
    shutil.copy(sam / "2026-11-20-mock.txt", coach / "alice" / "2026-11-20-mock.txt")
    shutil.copy(sam / "2026-11-29-practice.jsonl", coach / "alice" / "2026-11-29-practice.jsonl")
    shutil.copy(FIXTURES / "transcripts" / "v1-random-forest.jsonl", coach / "bob" / "chat.jsonl")
    shutil.copy(FIXTURES / "transcripts" / "plain-random-forest.txt", coach / "bob" / "mock.txt")
    carmen = coach / "carmen-lopez-garcia"
    (carmen / "2026-12-01-decision-threshold.txt").write_text(
        "Date: 2026-12-01\n"
        "Interviewer: Your classifier outputs probabilities. How do you pick the decision "
        "threshold?\n"
        "Candidate: From the costs: a missed fraud costs about 40 times a false alarm, so we "
        "moved the threshold down to 0.2 and checked precision stayed above 0.6 on the holdout.\n"
        "Interviewer: What did that cost you?\n"
        "Candidate: More manual reviews, roughly 300 a day, which the team could absorb.\n",
        encoding="utf-8",
    )
    (carmen / "2026-12-03-correlated-features.txt").write_text(
        "Date: 2026-12-03\n"
        "Interviewer: If two features are highly correlated, what happens to their importance "
        "scores in a random forest?\n"
        "Candidate: The importance gets split between them, so each looks less important than "
        "it is; permutation importance on one alone understates it too.\n",
        encoding="utf-8",
    )
    return replay_to(folder / "cohort-report.html", "coaching", cwd=folder)


def assert_reads_well(result: dict[str, Any], width: int) -> None:
    assert result["viewport"] == width
    assert result["overflow"] == [], f"scrolls sideways at {width}px: {result['overflow']}"
    assert result["broken"] == [], f"words broken mid-letter at {width}px: {result['broken']}"
    assert result["cells"] > 0 and result["cells_broken"] == 0
    if width < CARD_BREAKPOINT:
        assert result["cards"] > 0, "tables should be cards on a phone"
    else:
        assert result["cards"] == 0, "tables should stay tables on a wide screen"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["sample", "cohort"])
def test_the_reports_read_at_every_width(
    chromium: str, scratch: Path, request: pytest.FixtureRequest, which: str, width: int
) -> None:
    """The README's sample (two sessions, open) and a cohort of three candidates."""
    result = measure(chromium, request.getfixturevalue(which), width, scratch)
    assert_reads_well(result, width)
    sessions, turns = {"sample": (2, 9), "cohort": (6, 19)}[which]
    assert result["details"] == result["details_open"] == sessions  # few answers: all open
    assert result["cells"] >= 16 * turns  # four dimensions of four cells per turn, all laid out


def test_the_committed_sample_is_the_one_that_reads_on_a_phone(
    chromium: str, scratch: Path
) -> None:
    """docs/sample-report.html, which the README links, passes the same checks."""
    committed = ROOT / "docs" / "sample-report.html"
    for width in (PHONE, DESKTOP):
        assert_reads_well(measure(chromium, committed, width, scratch), width)


def test_screenshots_of_both_widths(
    chromium: str, sample: Path, cohort: Path, scratch: Path
) -> None:
    """PNGs for a person to look at (CI keeps build/screenshots/), checked only for being drawn."""
    for report in (sample, cohort):
        for width in (PHONE, DESKTOP):
            height = measure(chromium, report, width, scratch)["height"]
            name = f"{report.stem}-{width}"
            shots = screenshots(chromium, report, width, height, name, scratch)
            assert len(shots) == -(-height // SHOT_HEIGHT)
            assert all(shot.stat().st_size > 20_000 for shot in shots)  # drawn, not blank


def test_a_long_session_stays_usable_and_prints_whole(chromium: str, tmp_path: Path) -> None:
    lines = ["Interviewer: How does a random forest work, and when would you not use it?"]
    for n in range(1, 301):
        if n > 1:
            lines.append("Interviewer: Why does that help?")
        lines.append(f"Candidate: Trees on bootstrap samples vote, take {n}; latency matters.")
    (tmp_path / "long.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = replay_to(tmp_path / "long.html", "long.txt", cwd=tmp_path)
    closed = measure(chromium, report, PHONE, tmp_path)
    opened = measure(chromium, report, PHONE, tmp_path, open_all=True)
    assert_reads_well(closed, PHONE)
    assert_reads_well(opened, PHONE)
    assert closed["details"] == 7 and closed["details_open"] == 1  # the session; 6 blocks shut
    assert closed["height"] * 20 < opened["height"]
    # printing opens every block: as many pages as with everything open
    pages = []
    for name, source in (("closed", report), ("open", tmp_path / "opened.html")):
        if name == "open":
            source.write_text(
                report.read_text().replace(
                    '<details class="block">', '<details class="block" open>'
                )
            )
        pdf = tmp_path / f"{name}.pdf"
        browse(chromium, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", source.as_uri())
        pages.append(len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes())))
    assert pages[0] == pages[1] > 50
