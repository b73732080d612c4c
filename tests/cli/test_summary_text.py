"""The summary's text: each requirement said once, points joined cleanly, offline turns named."""

from __future__ import annotations

from agent.bank.rubric import Bank
from agent.cli.repl import Style, offline_lines, render_summary
from agent.grading.offline import OfflineBackend
from agent.session.interview import Interview
from agent.session.summary import summarize, tidy_reason


def session(bank: Bank, question: str, *answers: str) -> str:
    interview = Interview(bank.get(question), OfflineBackend())
    for answer in answers:
        interview.answer(answer)
    interview.quit()
    return render_summary(summarize(interview), Style(False))


def test_a_requirement_is_said_once_not_as_why_and_again_as_missing(bank: Bank) -> None:
    text = session(
        bank,
        "bias-variance",
        "Bias is error from a too simple model and variance is error from sensitivity to the "
        "training sample.",
        "I guess the cost is that the model might become too simple.",
    )
    missing = [line.removeprefix("  missing: ") for line in text.splitlines() if "missing:" in line]
    assert missing
    for requirement in missing:
        assert text.count(requirement) == 1, requirement
    assert "needs:" not in text


def test_points_are_joined_cleanly(bank: Bank) -> None:
    text = session(
        bank,
        "random-forest",
        "A random forest is a set of decision trees trained on bootstrap samples with random "
        "feature subsets; the trees vote. It needs little tuning.",
    )
    assert "makes the point:" in text
    assert ".;" not in text and ". ;" not in text


def test_tidy_reason() -> None:
    assert (
        tidy_reason("makes the point: A is x.; B is y.", None) == "makes the point: A is x; B is y."
    )
    needs = "vague; a 2 needs: Cutting variance adds bias.; more data is slow."
    assert tidy_reason(needs, "Cutting variance adds bias.; more data is slow.") == "vague"
    # the missing line says what the next level needs (the points not yet said), so the
    # reason's own "a 3 needs" goes whenever there is one; with none it stays
    assert tidy_reason("vague; a 3 needs: X.", "Y.") == "vague"
    assert tidy_reason("vague; a 3 needs: X.", None) == "vague; a 3 needs: X."
    assert tidy_reason("\x1b[31mred\x1b[0m  and\nsplit", None) == "red and split"


def test_offline_turns_are_listed_with_their_reasons_grouped() -> None:
    lines = offline_lines([(1, "HTTP 500"), (2, "HTTP 500"), (4, "HTTP 500"), (5, "not sent")])
    assert lines == ["  turns 1-2: HTTP 500", "  turn 4: HTTP 500", "  turn 5: not sent"]
