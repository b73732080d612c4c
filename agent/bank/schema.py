"""The JSON Schema of a rubric file, generated from the pydantic model.

It ships beside the rubrics (``rubrics/rubric.schema.json``) so an editor with a YAML language
server completes and validates a rubric as it is written; every rubric file names it in its
first line (``# yaml-language-server: $schema=rubric.schema.json``). A test keeps the shipped
file equal to what the model generates.
"""

from __future__ import annotations

import json
from typing import Any

from agent.bank.rubric import Rubric

SCHEMA_FILE = "rubric.schema.json"


def rubric_schema() -> dict[str, Any]:
    """The JSON Schema of one rubric file."""
    schema = Rubric.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "followup rubric"
    return schema


def rubric_schema_text() -> str:
    return json.dumps(rubric_schema(), indent=2, sort_keys=True) + "\n"
