"""``followup rubric check`` and ``followup rubric schema``."""

from __future__ import annotations

import io
import json
from pathlib import Path

from locations import FIXTURES, ROOT

from agent.cli.app import main

TOY = FIXTURES / "rubrics" / "toy-question.yaml"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), io.StringIO(), out, err)
    return status, out.getvalue(), err.getvalue()


def test_check_shows_the_points_each_answer_makes() -> None:
    status, out, _ = run("rubric", "check", str(ROOT / "rubrics" / "random-forest.yaml"))
    assert status == 0
    assert "[reference_answer]" in out and "[weak_answer]" in out
    reference = out.split("[weak_answer]")[0]
    assert "(L3)" in reference  # a strong answer makes senior points


def test_check_tries_an_answer_from_the_command_line_and_a_file(tmp_path: Path) -> None:
    answer = tmp_path / "a.txt"
    answer.write_text("A toy is a small thing children play with.", encoding="utf-8")
    status, out, _ = run("rubric", "check", str(TOY), "--try", "nothing", "--try-file", str(answer))
    assert status == 0 and "[--try]" in out and "[--try-file]" in out


def test_a_broken_file_exits_2_naming_file_and_field_and_the_rest_are_checked(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "toy-question.yaml"
    bad.write_text(TOY.read_text(encoding="utf-8").replace("\ntitle:", "\ntitel:"), "utf-8")
    status, out, _ = run("rubric", "check", str(bad), str(TOY))
    assert status == 2
    assert f"error: {bad}: titel: unknown key" in out
    assert f"ok: {TOY}" in out


def test_an_unreadable_try_file_is_one_error_line(tmp_path: Path) -> None:
    status, _, err = run("rubric", "check", str(TOY), "--try-file", str(tmp_path / "none.txt"))
    assert status == 2 and err.startswith("followup: error: ") and err.count("\n") == 1


def test_schema_prints_json() -> None:
    status, out, _ = run("rubric", "schema")
    assert status == 0 and json.loads(out)["title"] == "followup rubric"
