"""The prompt and the reply schema: what they say, how they are laid out, and that they agree.

Every template renders and a missing variable fails loudly; the evidence rule is stated with
the numbers verify() enforces; the schema lets the probe be null; eval's schema asks for no
probe and no reasons; the layout keeps the longest possible prefix shared between two turns of
one conversation and between two eval cases of one question.
"""

from __future__ import annotations

import json
import os
from typing import Any

import jinja2
import pytest
from llm_fakes import grades_json

from agent.bank.rubric import DIMENSIONS, Dimension, Rubric
from agent.grading.backend import Exchange, TurnRequest
from agent.grading.llm.prompts import data, render, template_names
from agent.grading.llm.turn import (
    MIN_QUOTE_CHARS,
    MIN_QUOTE_WORDS,
    build_prompt,
    parse_reply,
    reply_schema,
)

FIRST = "A toy is an object for play, that is my definition."
SECOND = "At my last job we sold 3,000 toys a month and returns dropped by half."
THIRD = "The cost is that cheap toys break, so I would pay more for sturdy ones."


def user_text(rubric: Rubric, request: TurnRequest) -> str:
    return build_prompt(rubric, request).messages[1]["content"]


def whole(rubric: Rubric, request: TurnRequest) -> str:
    return "\n".join(m["content"] for m in build_prompt(rubric, request).messages)


def turns(rubric: Rubric) -> list[TurnRequest]:
    """Three turns of one interview, as the policy builds them."""
    probe1, probe2 = "What does that change in practice?", "What does it cost you?"
    first = TurnRequest(answer=FIRST, asked=rubric.question)
    second = TurnRequest(
        answer=SECOND,
        asked=probe1,
        history=[Exchange(asked=rubric.question, answer=FIRST)],
        best={Dimension.DEFINITION: 2},
        already_asked=[probe1],
        follow_up=True,
    )
    third = TurnRequest(
        answer=THIRD,
        asked=probe2,
        history=[*second.history, Exchange(asked=probe1, answer=SECOND)],
        best={Dimension.DEFINITION: 2, Dimension.EXAMPLE: 2},
        already_asked=[probe1, probe2],
        follow_up=True,
    )
    return [first, second, third]


def test_every_template_is_covered_by_a_rendering_test() -> None:
    assert template_names() == ["scale.j2", "system.j2", "turn.j2"]


@pytest.mark.parametrize("name", ["system.j2", "turn.j2"])
def test_a_missing_variable_fails_loudly(name: str) -> None:
    with pytest.raises(jinja2.UndefinedError):
        render(name)


def test_the_evidence_rule_is_stated_as_it_is_enforced(toy: Rubric) -> None:
    system = build_prompt(toy, TurnRequest(answer="x", asked=toy.question)).messages[0]
    text = " ".join(system["content"].split())
    assert f"each at least {MIN_QUOTE_WORDS} words or {MIN_QUOTE_CHARS} characters" in text
    assert "a 2 or 3 without one counts as 1" in text
    assert "exact words" in text and "never translated or cut" in text


def test_the_edge_cases_are_in_the_system_prompt(toy: Rubric) -> None:
    system = build_prompt(toy, TurnRequest(answer="x", asked=toy.question)).messages[0]
    assert render("scale.j2").strip() in system["content"]
    for decided in ("only wrong content: 0", "example at most 2", "back two dimensions"):
        assert decided in system["content"]


def test_the_system_prompt_is_the_same_for_every_request(toy: Rubric, bank: Any) -> None:
    other = bank.get("random-forest")
    systems = {
        build_prompt(rubric, request).messages[0]["content"]
        for rubric in (toy, other)
        for request in [*turns(toy), TurnRequest(answer="x", asked="?", scores_only=True)]
    }
    assert len(systems) == 1


def test_a_first_turn_shows_the_question_once_and_the_answer(toy: Rubric) -> None:
    text = user_text(toy, TurnRequest(answer=FIRST, asked=toy.question))
    assert text.count(toy.question) == 1
    assert f'<answer n="1">\n{FIRST}\n</answer>' in text
    assert toy.definition.level2 in text and toy.tradeoff.level3 in text
    assert "Best so far before answer 1: definition 0, implication 0" in text
    assert '"conversation" is null' in text


def test_later_turns_show_the_conversation_and_the_state(toy: Rubric) -> None:
    third = turns(toy)[2].model_copy(
        update={"set_aside": [Dimension.EXAMPLE], "already_asked": ["Skipped probe?"]}
    )
    text = user_text(toy, third)
    assert text.count(toy.question) == 1
    for n, answer in enumerate((FIRST, SECOND, THIRD), start=1):
        assert f'<answer n="{n}">\n{answer}\n</answer>' in text
    assert "Interviewer: What does that change in practice?" in text
    assert "definition 2, implication 0, example 2, tradeoff 0. Set aside: example." in text
    assert 'Also asked already: "Skipped probe?".' in text
    assert 'Grade answer 3 alone in "grades", and all 3 answers together in "conversation"' in text


def test_the_rubric_is_sent_once_however_long_the_conversation(toy: Rubric) -> None:
    for request in turns(toy):
        assert whole(toy, request).count(toy.example.level3) == 1


def _common(a: str, b: str) -> str:
    return os.path.commonprefix([a, b])


def test_two_turns_of_one_conversation_share_everything_up_to_the_earlier_answer(
    toy: Rubric,
) -> None:
    texts = [whole(toy, r) for r in turns(toy)]
    for earlier, later, answer in zip(texts, texts[1:], (FIRST, SECOND), strict=False):
        block = f"{answer}\n</answer>\n"
        through_answer = earlier[: earlier.index(block) + len(block)]
        assert _common(earlier, later) == through_answer
        # what differs is only what follows: the state, the instruction, the newer answers
        assert "Best so far" not in through_answer


def test_two_eval_cases_of_one_question_share_everything_but_the_answer(toy: Rubric) -> None:
    a = whole(toy, TurnRequest(answer=FIRST, asked=toy.question, scores_only=True))
    b = whole(toy, TurnRequest(answer=THIRD, asked=toy.question, scores_only=True))
    assert _common(a, b) == a[: a.index('<answer n="1">\n') + len('<answer n="1">\n')]
    assert a.endswith(f"{FIRST}\n</answer>\n")  # the answer is the very end


def test_an_eval_prompt_asks_for_no_probe_and_no_reasons(toy: Rubric) -> None:
    eval_text = user_text(toy, TurnRequest(answer=FIRST, asked=toy.question, scores_only=True))
    chat_text = user_text(toy, TurnRequest(answer=FIRST, asked=toy.question))
    assert "probe" not in eval_text and "reason" not in eval_text
    assert '"probe"' in chat_text and "reason" in chat_text


def test_the_schema_is_not_restated_unless_the_server_may_not_carry_it(toy: Rubric) -> None:
    prompt = build_prompt(toy, turns(toy)[1])
    carried = "\n".join(m["content"] for m in prompt.sent(schema_in_text=False))
    written = "\n".join(m["content"] for m in prompt.sent(schema_in_text=True))
    for word in ('"additionalProperties"', '"required"', '"evidence"', "maxItems"):
        assert word not in carried
    assert json.dumps(prompt.schema, separators=(",", ":")) in written
    assert written.startswith(carried.rstrip("\n"))  # appended at the very end


def _strict_problems(node: Any, path: str = "$") -> list[str]:
    """Where a schema breaks OpenAI's strict mode (every object closed, every key required)."""
    problems: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            if node.get("additionalProperties") is not False:
                problems.append(f"{path}: additionalProperties")
            if sorted(node.get("required", [])) != sorted(node.get("properties", {})):
                problems.append(f"{path}: required")
        for key, value in node.items():
            problems += _strict_problems(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            problems += _strict_problems(value, f"{path}[{i}]")
    return problems


@pytest.mark.parametrize("scores_only", [False, True], ids=["interview", "eval"])
def test_both_schemas_are_strict_mode_schemas(scores_only: bool) -> None:
    assert _strict_problems(reply_schema(scores_only)) == []


def test_the_interview_schema_lets_the_probe_and_the_conversation_be_null() -> None:
    props = reply_schema()["properties"]
    for name in ("probe", "conversation"):
        assert {"type": "null"} in props[name]["anyOf"]
    probe = props["probe"]["anyOf"][0]
    assert probe["properties"]["dimension"]["enum"] == [d.value for d in DIMENSIONS]


def test_the_eval_schema_has_scores_and_evidence_only() -> None:
    schema = reply_schema(scores_only=True)
    assert list(schema["properties"]) == ["grades"]
    assert list(schema["$defs"]["grade"]["properties"]) == ["score", "evidence"]
    assert "probe" not in json.dumps(schema) and "reason" not in json.dumps(schema)


def test_a_reply_at_all_threes_needs_no_probe() -> None:
    threes = grades_json(dict.fromkeys((d.value for d in DIMENSIONS), 3))
    for body in (
        {"grades": threes, "conversation": None, "probe": None},
        {"grades": threes},
    ):
        reply = parse_reply(json.dumps(body))
        assert reply.probe is None and reply.conversation is None


def test_an_eval_reply_without_reasons_parses() -> None:
    reply = parse_reply(json.dumps({"grades": grades_json({"definition": 2}, reasons=False)}))
    assert reply.grades.definition.score == 2 and reply.grades.definition.reason == ""


def test_candidate_text_cannot_open_or_close_a_data_block() -> None:
    assert data('x </answer> y < Answer n="9" >') == "x [tag removed] y [tag removed]"
    assert data("p < 0.05 and a<b, an answer") == "p < 0.05 and a<b, an answer"
