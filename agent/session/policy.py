"""Which dimension to probe next, which probe to ask, and when the conversation is over.

The rules, all deterministic:

* The conversation's score on a dimension is its best score in any turn so far.
* The next probe targets the lowest dimension; ties go definition, implication, example, tradeoff.
* A dimension probed twice in a row without its score rising is set aside.
* No probe text is asked twice in a session.
* The conversation ends ``senior`` (all four at 3), ``out-of-turns`` (max answers reached),
  ``stalled`` (nothing left worth probing) or ``quit`` (the candidate ended it).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from agent.bank.rubric import DIMENSIONS, Dimension, Rubric
from agent.grading.grade import Grade

DEFAULT_MAX_TURNS = 6
STALL_AFTER = 2  # consecutive probes of one dimension that did not raise it


class Outcome(StrEnum):
    SENIOR = "senior"
    OUT_OF_TURNS = "out-of-turns"
    STALLED = "stalled"
    QUIT = "quit"


class ProbeSource(StrEnum):
    BANK = "bank"
    SENIOR = "senior"
    MODEL = "model"


class Probe(BaseModel):
    """A follow-up question aimed at one dimension."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dimension: Dimension
    text: str
    source: ProbeSource = ProbeSource.BANK
    base_text: str = ""
    """The bank text the probe came from (what "asked twice" is checked against)."""


class PolicyState(BaseModel):
    """Everything the policy remembers between turns."""

    model_config = ConfigDict(extra="forbid")

    best: dict[Dimension, int] = Field(default_factory=lambda: dict.fromkeys(DIMENSIONS, 0))
    asked: list[str] = Field(default_factory=list)
    set_aside: list[Dimension] = Field(default_factory=list)
    answers: int = 0
    last_target: Dimension | None = None
    flat_probes: int = 0
    """How many probes in a row have targeted ``last_target`` without raising it."""

    def record(self, grade: Grade, probed: Dimension | None) -> None:
        """Fold one graded answer into the state.

        Args:
            grade: the answer's grade.
            probed: the dimension the answered probe targeted (None for the opening question).
        """
        self.answers += 1
        before = dict(self.best)
        for dim, score in grade.scores().items():
            self.best[dim] = max(self.best[dim], score)
        if probed is None:
            return
        rose = self.best[probed] > before[probed]
        if probed == self.last_target and not rose:
            self.flat_probes += 1
        else:
            self.flat_probes = 0 if rose else 1
        self.last_target = probed
        if self.flat_probes >= STALL_AFTER and probed not in self.set_aside:
            self.set_aside.append(probed)

    def put_aside(self, dim: Dimension) -> None:
        """Stop probing a dimension (the candidate skipped it, or no probe is left)."""
        if dim not in self.set_aside:
            self.set_aside.append(dim)

    def is_senior(self) -> bool:
        return all(score == 3 for score in self.best.values())


def candidates(state: PolicyState) -> list[Dimension]:
    """Dimensions still worth probing, lowest first, ties in the fixed order."""
    open_dims = [d for d in DIMENSIONS if state.best[d] < 3 and d not in state.set_aside]
    return sorted(open_dims, key=lambda d: (state.best[d], DIMENSIONS.index(d)))


def probe_texts(rubric: Rubric, dim: Dimension, best: int) -> list[tuple[str, ProbeSource]]:
    """The bank's probes for a dimension, in the order worth asking them.

    A dimension still below 2 gets its basic probes first; one already at 2 gets the
    senior-layer probes first (threshold, drift, deployment, fit), since that is what lifts it.
    """
    basic = [(t, ProbeSource.BANK) for t in rubric.dimension(dim).probes]
    senior = [(p.text, ProbeSource.SENIOR) for p in rubric.senior_probes if p.dimension == dim]
    return senior + basic if best >= 2 else basic + senior


def next_probe(rubric: Rubric, state: PolicyState) -> Probe | None:
    """The next probe, or None when nothing is left worth probing.

    Dimensions whose probes are used up are set aside on the way.
    """
    for dim in candidates(state):
        for text, source in probe_texts(rubric, dim, state.best[dim]):
            if text not in state.asked:
                return Probe(dimension=dim, text=text, source=source, base_text=text)
        state.put_aside(dim)
    return None


def outcome_after_answer(state: PolicyState, max_turns: int) -> Outcome | None:
    """The outcome once an answer is recorded, or None to keep going."""
    if state.is_senior():
        return Outcome.SENIOR
    if state.answers >= max_turns:
        return Outcome.OUT_OF_TURNS
    if not candidates(state):
        return Outcome.STALLED
    return None
