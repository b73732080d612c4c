"""The rubric JSON Schema ships beside the rubrics, equal to what the pydantic model generates."""

from __future__ import annotations

import json

from locations import ROOT

from agent.bank import SCHEMA_FILE, rubric_schema, rubric_schema_text
from agent.resources import rubrics_dir


def test_the_shipped_schema_is_the_generated_one() -> None:
    shipped = (ROOT / "rubrics" / SCHEMA_FILE).read_text(encoding="utf-8")
    assert shipped == rubric_schema_text(), "run: followup rubric schema > rubrics/" + SCHEMA_FILE


def test_the_schema_forbids_unknown_keys_and_names_every_field() -> None:
    schema = rubric_schema()
    assert schema["additionalProperties"] is False
    assert {"id", "topic", "question", "definition", "reference_answer"} <= set(schema["required"])
    point = schema["$defs"]["Point"]
    assert point["additionalProperties"] is False and "says" in point["properties"]


def test_every_rubric_names_the_schema_for_its_editor() -> None:
    first_lines = {
        p.name: p.read_text(encoding="utf-8").splitlines()[0] for p in rubrics_dir().glob("*.yaml")
    }
    assert len(first_lines) == 25
    assert set(first_lines.values()) == {f"# yaml-language-server: $schema={SCHEMA_FILE}"}
    assert json.loads((rubrics_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))["title"]
