"""The quote before a bank probe: the claim the probe is about, or none at all."""

from __future__ import annotations

from agent.bank.rubric import DIMENSIONS, Bank, Dimension
from agent.grading.grade import DimensionGrade, Grade
from agent.session.quoting import pick_quote, short_quote, with_quote

DEFINITION = "Bias is error from a model too simple for the data, so it underfits."
COST = "I guess the cost is that the model might become too simple."
FIX = "To cut the variance I would add regularisation and prune the trees."


def grade(**evidence: list[str]) -> Grade:
    dims = {
        d: DimensionGrade(
            score=2 if evidence.get(d.value) else 0,
            evidence=evidence.get(d.value, []),
            reason="r",
        )
        for d in DIMENSIONS
    }
    return Grade.from_dimensions(dims, "test", [])


def test_a_probe_about_something_never_said_gets_no_quote(bank: Bank) -> None:
    # The example: the candidate never mentioned collecting data.
    rubric = bank.get("bias-variance")
    probe = rubric.dimension(Dimension.TRADEOFF).probes[1]
    assert probe.startswith("If collecting more data takes two months")
    said = grade(definition=[DEFINITION], tradeoff=[COST])
    assert pick_quote(said, Dimension.TRADEOFF, probe) is None


def test_the_quote_is_the_claim_the_probe_asks_about() -> None:
    said = grade(definition=[DEFINITION], implication=[FIX], tradeoff=[COST])
    probe = "What does regularisation cost you, and when would you not prune?"
    assert pick_quote(said, Dimension.TRADEOFF, probe) == short_quote(FIX)
    # not the first sentence, not the thin tradeoff attempt: the one sharing the probe's words
    probe = "Why does a model that underfits have high bias?"
    assert pick_quote(said, Dimension.IMPLICATION, probe) == short_quote(DEFINITION)


def test_ties_go_to_the_attempt_at_the_probed_dimension() -> None:
    said = grade(definition=["A simple model costs accuracy."], tradeoff=[COST])
    probe = "When is a simple model the wrong choice?"
    assert pick_quote(said, Dimension.TRADEOFF, probe) == short_quote(COST)
    assert pick_quote(said, Dimension.DEFINITION, probe) == "A simple model costs accuracy"


def test_words_compare_on_their_stems() -> None:
    said = grade(example=["We were collecting labels from three annotators for a month."])
    probe = "If collection takes two months, what would you do?"
    assert pick_quote(said, Dimension.TRADEOFF, probe) is not None


def test_no_evidence_no_quote() -> None:
    assert pick_quote(grade(), Dimension.DEFINITION, "What is a toy?") is None


def test_the_quote_is_plain_text() -> None:
    text = with_quote("Why?", 'it \x1b[31mworks\x1b[0m, "mostly"')
    assert text == "You said \"it works, 'mostly'\". Why?"
