"""The question bank: rubric files, their schema, and the cue groups their points match with."""

from agent.bank.cues import CueGroup, compile_group, mentions
from agent.bank.rubric import (
    DIMENSIONS,
    Bank,
    Dimension,
    DimensionRubric,
    Misconception,
    Point,
    Rubric,
    SeniorProbe,
    load_bank,
    load_rubric,
)
from agent.bank.schema import SCHEMA_FILE, rubric_schema, rubric_schema_text

__all__ = [
    "DIMENSIONS",
    "SCHEMA_FILE",
    "Bank",
    "CueGroup",
    "Dimension",
    "DimensionRubric",
    "Misconception",
    "Point",
    "Rubric",
    "SeniorProbe",
    "compile_group",
    "load_bank",
    "load_rubric",
    "mentions",
    "rubric_schema",
    "rubric_schema_text",
]
