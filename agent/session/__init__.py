"""One interview: the policy and its one turn transition, the loop, quoting, summary, transcript."""

from agent.session.interview import Interview, Turn, TurnResult
from agent.session.policy import (
    DEFAULT_MAX_TURNS,
    Outcome,
    PolicyState,
    Probe,
    ProbeSource,
    Step,
    choose_probe,
    next_probe,
    step,
)
from agent.session.summary import OUTCOME_TEXT, Summary, summarize, summarize_grades
from agent.session.transcript import (
    TranscriptWriter,
    data_dir,
    default_transcript_path,
    read_transcript,
)

__all__ = [
    "DEFAULT_MAX_TURNS",
    "OUTCOME_TEXT",
    "Interview",
    "Outcome",
    "PolicyState",
    "Probe",
    "ProbeSource",
    "Step",
    "Summary",
    "TranscriptWriter",
    "Turn",
    "TurnResult",
    "choose_probe",
    "data_dir",
    "default_transcript_path",
    "next_probe",
    "read_transcript",
    "step",
    "summarize",
    "summarize_grades",
]
