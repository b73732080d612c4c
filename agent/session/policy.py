"""Which dimension to probe next, which probe to ask, and when the conversation is over.

The rules, all deterministic:

* The conversation's score on a dimension is the score of the whole conversation so far (the
  backend grades every answer together, so a point completed in a later answer counts), and
  never less than the dimension's best score in any single answer.
* The next probe targets the lowest dimension; ties go definition, implication, example, tradeoff.
* A dimension probed twice in a row without its score rising is set aside.
* No probe text is asked twice in a session.
* The conversation ends ``senior`` (all four at 3), ``out-of-turns`` (max answers reached),
  ``stalled`` (nothing left worth probing) or ``quit`` (the candidate ended it). An interview
  with a time limit can also end ``out-of-time``; that is the interview's clock, not ``step``.

``step`` is the one turn transition: fold an assessed answer into the state, then end or pick
the probe. The live interview and ``followup replay`` both call it, so they cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from agent.bank.rubric import DIMENSIONS, Dimension, Rubric
from agent.grading.backend import Assessment, Exchange, TurnRequest
from agent.grading.grade import Grade
from agent.models import Frozen, Strict
from agent.session.quoting import pick_quote, with_quote

DEFAULT_MAX_TURNS = 6
STALL_AFTER = 2  # consecutive probes of one dimension that did not raise it


class Outcome(StrEnum):
    SENIOR = "senior"
    OUT_OF_TURNS = "out-of-turns"
    STALLED = "stalled"
    QUIT = "quit"
    OUT_OF_TIME = "out-of-time"


class ProbeSource(StrEnum):
    BANK = "bank"
    SENIOR = "senior"
    MODEL = "model"


class Probe(Frozen):
    """A follow-up question aimed at one dimension."""

    dimension: Dimension
    text: str
    source: ProbeSource = ProbeSource.BANK
    base_text: str = ""
    """The bank text the probe came from (what "asked twice" is checked against)."""


class PolicyState(Strict):
    """Everything the policy remembers between turns."""

    best: dict[Dimension, int] = Field(default_factory=lambda: dict.fromkeys(DIMENSIONS, 0))
    asked: list[str] = Field(default_factory=list)
    set_aside: list[Dimension] = Field(default_factory=list)
    answers: int = 0
    last_target: Dimension | None = None
    flat_probes: int = 0
    """How many probes in a row have targeted ``last_target`` without raising it."""

    def record(
        self, grade: Grade, probed: Dimension | None, conversation: Grade | None = None
    ) -> None:
        """Fold one graded answer into the state.

        Args:
            grade: the answer's grade.
            probed: the dimension the answered probe targeted (None for the opening question).
            conversation: the grade of the whole conversation so far, when the backend gives one.
        """
        self.answers += 1
        before = dict(self.best)
        for graded in (grade, conversation):
            for dim, score in (graded.scores() if graded else {}).items():
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

    def request(
        self, answer: str, asked: str, history: list[Exchange], follow_up: bool
    ) -> TurnRequest:
        """What a backend gets to grade ``answer`` to the line ``asked`` in this state."""
        return TurnRequest(
            answer=answer,
            asked=asked,
            history=list(history),
            best=dict(self.best),
            already_asked=list(self.asked),
            set_aside=list(self.set_aside),
            follow_up=follow_up,
        )

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


def choose_probe(rubric: Rubric, state: PolicyState, assessment: Assessment) -> Probe | None:
    """The probe to ask after an assessed answer, worded; None when nothing is left to probe.

    The policy picks the dimension and the bank probe (``next_probe``, which may set exhausted
    dimensions aside in ``state``); the backend's own wording is used only when it targets the
    same dimension, else the bank text is tied to the candidate's words with a short quote.
    The caller records the probe in ``state.asked`` once it is actually asked.
    """
    bank = next_probe(rubric, state)
    if bank is None:
        return None
    suggested = assessment.probe
    if suggested is not None and suggested.dimension == bank.dimension:
        return Probe(
            dimension=bank.dimension,
            text=suggested.text,
            source=ProbeSource.MODEL,
            base_text=suggested.text,
        )
    quote = pick_quote(assessment.grade, bank.dimension, bank.text)
    return bank.model_copy(update={"text": with_quote(bank.text, quote)})


class Step(Frozen):
    """What follows an answer: the interview ends (``outcome``) or asks ``probe``."""

    outcome: Outcome | None = None
    probe: Probe | None = None


def step(
    rubric: Rubric,
    state: PolicyState,
    assessment: Assessment,
    probed: Dimension | None,
    max_turns: int,
    *,
    hypothetical: bool = False,
) -> Step:
    """The one turn transition: record the answer's grade, then end or choose the probe.

    Args:
        rubric: the question.
        state: the policy state; the grade is folded into it.
        assessment: the backend's verdict on the answer.
        probed: the dimension the answered line targeted (None for the opening question).
        max_turns: answers allowed in the conversation.
        hypothetical: only propose what comes next (replay shows what the agent would ask while
            the transcript goes on as it was): the choice is made on a copy of the state, so
            dimensions it would set aside stay open in ``state``.
    """
    state.record(assessment.grade, probed, assessment.conversation)
    # Choosing a probe changes only ``set_aside``: copy that and share the rest (a deep copy of
    # ``asked`` on every turn made a long replay quadratic).
    chooser = (
        state.model_copy(update={"set_aside": list(state.set_aside)}) if hypothetical else state
    )
    outcome = outcome_after_answer(chooser, max_turns)
    if outcome is not None:
        return Step(outcome=outcome)
    probe = choose_probe(rubric, chooser, assessment)
    return Step(probe=probe) if probe is not None else Step(outcome=Outcome.STALLED)
