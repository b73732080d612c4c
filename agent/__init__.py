"""followup: a practice interviewer for machine-learning interviews.

The layers, bottom up (each imports only those below it; ``tests/test_architecture.py``
checks it):

* ``agent.bank``: the question bank (rubric files, their schema, cue groups);
* ``agent.grading``: the ``Backend`` protocol and its types, the registry, the offline grader
  (``grading.offline``) and the model backend (``grading.llm``), which never import each other;
* ``agent.session``: the policy and its one turn transition, the interview, the mock loop,
  summary, transcript;
* ``agent.replay`` and ``agent.evals``: re-grading transcripts, and eval suites with gates;
* ``agent.progress``: practice across sessions (trends, the review schedule, what next);
* ``agent.cli``: the ``followup`` command, one module per command, and the REPL.
"""

from agent.bank import DIMENSIONS, Bank, Dimension, Rubric, load_bank, load_rubric
from agent.errors import FollowupError
from agent.grading import Assessment, Backend, Grade, TurnRequest, get_backend
from agent.session import Interview, Outcome, Summary, summarize
from agent.version import __version__

__all__ = [
    "DIMENSIONS",
    "Assessment",
    "Backend",
    "Bank",
    "Dimension",
    "FollowupError",
    "Grade",
    "Interview",
    "Outcome",
    "Rubric",
    "Summary",
    "TurnRequest",
    "__version__",
    "get_backend",
    "load_bank",
    "load_rubric",
    "summarize",
]
