"""`followup eval`: metrics against hand-computed values, exit statuses, case-file errors."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from locations import FIXTURES

from agent import cli
from agent.bank.rubric import Dimension, Rubric
from agent.cli import evaluate as eval_command
from agent.errors import BackendError
from agent.evals.metrics import agreement, quadratic_weighted_kappa
from agent.evals.results import REPORT_VERSION, AnswerVerdict, EvalReport
from agent.grading.backend import Assessment, TurnRequest

RUBRICS = str(FIXTURES / "rubrics")

SENIOR = (
    "A toy is an object for play; my solid, clear and senior definition. "
    "The implication is solid, clear and senior: toys shape how kids spend time. "
    "At my last job we sold 3,000 toys a month, switched suppliers, and returns dropped by half. "
    "The tradeoff is solid, clear and senior: cheap toys break sooner, "
    "so if budget is tight I'd still buy the sturdier one."
)
ALL3 = {"definition": 3, "implication": 3, "example": 3, "tradeoff": 3}
ALL0 = {"definition": 0, "implication": 0, "example": 0, "tradeoff": 0}


# --- metrics, against values worked out by hand -------------------------------------------


def test_qwk_perfect_and_chance() -> None:
    assert quadratic_weighted_kappa([0, 1, 2, 3], [0, 1, 2, 3]) == pytest.approx(1.0)
    # Observed disagreement equals what the marginals predict: kappa 0.
    assert quadratic_weighted_kappa([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.0)


def test_qwk_hand_computed() -> None:
    # O has one (0,1) disagreement, weight 1/9; expected weighted disagreement is 32/36
    # (marginals [1,1,1,1] and [0,2,1,1] over n=4), so kappa = 1 - (4/36)/(32/36) = 0.875.
    assert quadratic_weighted_kappa([0, 1, 2, 3], [1, 1, 2, 3]) == pytest.approx(0.875)


def test_qwk_far_misses_cost_more_than_near_ones() -> None:
    near = quadratic_weighted_kappa([0, 1, 2, 3], [1, 1, 2, 3])
    far = quadratic_weighted_kappa([0, 1, 2, 3], [3, 1, 2, 3])
    assert far < near


def test_agreement_figures() -> None:
    a = agreement([0, 1, 2, 3, 3], [0, 2, 0, 3, 2])
    assert a.exact == pytest.approx(2 / 5)
    assert a.within_one == pytest.approx(4 / 5)
    assert a.bias == pytest.approx((0 + 1 - 2 + 0 - 1) / 5)


# --- the command ----------------------------------------------------------------------------


def write_suite(tmp_path: Path, cases: list[dict[str, object]], name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"suite": path.stem, "cases": cases}, sort_keys=False))
    return path


def answer_case(
    cid: str, answer: str, scores: dict[str, int], **extra: object
) -> dict[str, object]:
    expect: dict[str, object] = {"scores": scores, **extra}
    return {"id": cid, "question": "toy-question", "answer": answer, "expect": expect}


GATES = str(FIXTURES / "gates-lenient.yaml")


def run(*args: str) -> tuple[int, str, str]:
    """Run `followup eval` on the toy rubric, gates lenient unless the test sets them."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["--rubrics", RUBRICS, "eval", "--gates", GATES, *args]
    status = cli.main(argv, io.StringIO(), out, err)
    return status, out.getvalue(), err.getvalue()


def test_exit_0_when_the_gates_hold_and_reports_are_written(tmp_path: Path) -> None:
    suite = write_suite(
        tmp_path,
        [
            answer_case("senior", SENIOR, ALL3, probe="none"),
            answer_case("empty", "I don't know.", ALL0),
            {
                "id": "dialogue",
                "question": "toy-question",
                "candidate": {"opening": SENIOR},
                "expect": {"probes": [], "outcome": "senior"},
            },
        ],
    )
    report = tmp_path / "r.json"
    junit = tmp_path / "j.xml"
    status, out, _ = run(str(suite), "--json", str(report), "--junit", str(junit))
    assert status == 0, out
    assert "gate ok" in out and "dialogues 1/1 passed" in out
    data = json.loads(report.read_text())
    assert data["suites"] == ["s"] and data["grader"] == "offline"
    m = data["metrics"]
    assert m["answers"] == 2 and m["exact"] == 1.0 and m["within_one"] == 1.0
    assert m["probe_accuracy"] == 1.0 and m["unscored"] == 0
    assert m["dialogues"] == 1 and m["dialogues_passed"] == 1
    assert set(m["per_dimension"]["definition"]) == {"exact", "within_one", "qwk", "bias"}
    assert {c["id"] for c in data["cases"]} == {"senior", "empty", "dialogue"}
    root = ET.parse(junit).getroot()
    assert root.find("testsuite").get("tests") == "3"  # type: ignore[union-attr]


def test_exit_1_when_a_metric_is_below_its_gate(tmp_path: Path) -> None:
    wrong = {"definition": 3, "implication": 0, "example": 0, "tradeoff": 0}
    suite = write_suite(tmp_path, [answer_case("off", "I don't know.", wrong)])
    status, out, _ = run(str(suite), "--min-exact", "1.0", "--min-within-one", "0")
    assert status == 1
    assert "gate FAIL exact" in out


def test_exit_1_when_a_dialogue_fails_with_what_differed(tmp_path: Path) -> None:
    case = {
        "id": "climb",
        "question": "toy-question",
        "candidate": {"opening": "A toy is a thing."},
        "expect": {"probes": ["example"], "outcome": "senior", "max_turns": 3},
    }
    status, out, _ = run(
        str(write_suite(tmp_path, [case])), "--min-within-one", "0", "--min-probe-accuracy", "0"
    )
    assert status == 1
    assert "failed dialogues:" in out and "climb: probes: expected ['example']" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            {"suite": "x", "cases": [answer_case("a", "t", ALL0, colour=1)]},
            "case 'a': expect.colour",
        ),
        ({"suite": "x", "cases": [{**answer_case("a", "t", ALL0), "hint": 1}]}, "case 'a': hint"),
        (
            {"suite": "x", "cases": [{**answer_case("a", "t", ALL0), "question": "nope"}]},
            "case 'a': unknown question id 'nope'",
        ),
        (
            {"suite": "x", "cases": [answer_case("a", "t", {**ALL0, "example": 4})]},
            "case 'a': expect.scores.example",
        ),
        (
            {"suite": "x", "cases": [answer_case("a", "t", {"definition": 1})]},
            "needs all four dimensions",
        ),
        ({"suite": "x", "cases": []}, "'cases' must be a non-empty list"),
        ({"suite": "x", "cases": [answer_case("a", "t", ALL0)], "extra": 1}, "unknown top-level"),
    ],
)
def test_exit_2_for_broken_case_files_naming_file_and_case(
    tmp_path: Path, content: dict[str, object], message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(content))
    status, _, err = run(str(path))
    assert status == 2
    assert err.startswith(f"followup: error: {path}")
    assert message in err
    assert err.count("\n") == 1


def test_exit_2_for_duplicate_ids_across_files(tmp_path: Path) -> None:
    write_suite(tmp_path, [answer_case("same", "t", ALL0)], "a.yaml")
    write_suite(tmp_path, [answer_case("same", "t", ALL0)], "b.yaml")
    status, _, err = run(str(tmp_path))
    assert status == 2 and "case 'same': duplicate id" in err


def test_exit_2_for_no_cases_unreadable_or_missing(tmp_path: Path) -> None:
    assert run(str(tmp_path))[0] == 2  # an empty directory
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"suite: x\ncases: [\xff\n")
    status, _, err = run(str(bad))
    assert status == 2 and "cannot read" in err
    status, _, err = run(str(tmp_path / "missing.yaml"))
    assert status == 2 and "no such file" in err


class _Broken:
    """A backend that cannot produce a grade (what a failing model does)."""

    name = "broken"
    model: str | None = None

    def assess(self, rubric: Rubric, request: TurnRequest) -> Assessment:
        raise BackendError("the model said nothing useful")


def test_unscored_grades_are_never_scores_and_too_many_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(eval_command, "get_backend", lambda settings, **_: _Broken())
    suite = write_suite(tmp_path, [answer_case("a", "t", ALL0)])
    report = tmp_path / "r.json"
    status, _, err = run(str(suite), "--json", str(report))
    assert status == 2 and "could not be produced" in err
    data = json.loads(report.read_text())
    assert data["metrics"]["unscored"] == 1
    assert data["cases"][0]["got"] == {"error": "the model said nothing useful"}
    status, _, _ = run(
        str(suite), "--max-unscored", "1", "--min-within-one", "0", "--min-probe-accuracy", "0"
    )
    assert status == 0


def test_a_known_failure_holds_the_gate_only_while_it_fails(tmp_path: Path) -> None:
    failing = {
        "id": "known",
        "question": "toy-question",
        "candidate": {"opening": "A toy is a thing."},
        "expect": {"probes": ["example"], "outcome": "senior", "max_turns": 2},
        "known_failure": "the grader reads this opening differently from the labeller",
    }
    lenient = ("--min-within-one", "0", "--min-probe-accuracy", "0")
    status, out, _ = run(str(write_suite(tmp_path, [failing], "a.yaml")), *lenient)
    assert status == 0, out
    assert "known: still fails" in out and "(1 known failures)" in out

    passing = {
        **failing,
        "id": "fixed",
        "candidate": {"opening": SENIOR},
        "expect": {"probes": [], "outcome": "senior"},
    }
    status, out, _ = run(str(write_suite(tmp_path, [passing], "b.yaml")), *lenient)
    assert status == 1
    assert "fixed: PASSED - remove the known_failure marker" in out


def test_a_dialogue_only_suite_is_judged_on_its_dialogues(tmp_path: Path) -> None:
    case = {
        "id": "d",
        "question": "toy-question",
        "candidate": {"opening": SENIOR},
        "expect": {"probes": [], "outcome": "senior"},
    }
    out, err = io.StringIO(), io.StringIO()
    argv = ["--rubrics", RUBRICS, "eval", str(write_suite(tmp_path, [case])), "--min-exact", "0.9"]
    assert cli.main(argv, io.StringIO(), out, err) == 0, out.getvalue()
    assert "gate ok   dialogues_as_expected" in out.getvalue()
    assert "exact" not in out.getvalue().split("gate", 1)[1]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--max-unscored", "-1"), "max_unscored: Input should be greater than or equal to 0"),
        (("--min-exact", "5"), "min_exact: Input should be less than or equal to 1"),
        (("--min-exact", "nan"), "min_exact"),
        (("--json", "/nonexistent/dir/r.json"), "cannot write /nonexistent/dir/r.json"),
    ],
)
def test_bad_gates_and_report_paths_exit_2_before_the_run(
    tmp_path: Path, extra: tuple[str, ...], message: str
) -> None:
    status, out, err = run(str(write_suite(tmp_path, [answer_case("a", "t", ALL0)])), *extra)
    assert status == 2 and message in err and out == ""


def test_gates_file_with_a_duplicate_key_is_an_error(tmp_path: Path) -> None:
    gates = tmp_path / "g.yaml"
    gates.write_text("min_exact: 0.5\nmin_exact: 0.9\n")
    suite = write_suite(tmp_path, [answer_case("a", "t", ALL0)])
    status, _, err = run(str(suite), "--gates", str(gates))
    assert status == 2 and "duplicate key 'min_exact'" in err


def test_junit_skips_known_failures_and_fails_stale_markers(tmp_path: Path) -> None:
    known = {
        "id": "known",
        "question": "toy-question",
        "candidate": {"opening": "A toy is a thing."},
        "expect": {"probes": ["example"], "outcome": "senior", "max_turns": 2},
        "known_failure": "the grader reads this opening differently from the labeller",
    }
    stale = {
        **known,
        "id": "stale",
        "candidate": {"opening": SENIOR},
        "expect": {"probes": [], "outcome": "senior"},
    }
    junit = tmp_path / "j.xml"
    run(str(write_suite(tmp_path, [known, stale])), "--junit", str(junit))
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("skipped") == "1" and suite.get("failures") == "1"
    by_id = {c.get("name"): c for c in suite.iter("testcase")}
    assert by_id["known"].find("skipped") is not None
    assert by_id["stale"].find("failure") is not None


def test_the_json_report_has_a_format_version_and_typed_cases(tmp_path: Path) -> None:
    suite = write_suite(tmp_path, [answer_case("a", "A toy is a thing.", ALL0)])
    report = tmp_path / "r.json"
    status, _, _ = run(str(suite), "--json", str(report))
    assert status == 0
    data = json.loads(report.read_text())
    assert data["version"] == REPORT_VERSION == 2
    loaded = EvalReport.model_validate(data)
    (case,) = loaded.cases
    assert isinstance(case.got, AnswerVerdict) and case.error is None
    assert set(case.got.scores) == set(Dimension)


def test_another_language_is_reported_not_graded_never_as_zeros(tmp_path: Path) -> None:
    spanish = "Un juguete es una cosa con la que juegan los niños, y por eso es importante."
    suite = write_suite(
        tmp_path, [answer_case("es", spanish, ALL0), answer_case("en", "A toy.", ALL0)]
    )
    report = tmp_path / "r.json"
    status, out, _ = run(str(suite), "--json", str(report))
    assert status == 0 and "not graded 1" in out
    data = json.loads(report.read_text())
    assert data["metrics"]["unscored"] == 0 and data["metrics"]["ungraded"] == 1
    (es,) = [c for c in data["cases"] if c["id"] == "es"]
    assert es["unscored"] and es["ungraded"] and "reads English only" in es["got"]["error"]


def test_a_named_suite_has_gates_of_its_own(tmp_path: Path) -> None:
    suite = write_suite(tmp_path, [answer_case("a", "A toy is a thing.", ALL0)], "held.yaml")
    gates = tmp_path / "g.yaml"
    gates.write_text(
        "min_within_one: 0\nmin_probe_accuracy: 0\nsuites:\n  held: {min_exact: 1.1}\n"
    )
    status, _, err = run(str(suite), "--gates", str(gates))
    assert status == 2 and "min_exact" in err  # out of range: a gate file error, exit 2
    gates.write_text("min_within_one: 0\nmin_probe_accuracy: 0\nsuites:\n  held: {min_qwk: 0.99}\n")
    status, out, _ = run(str(suite), "--gates", str(gates))
    assert "gate " in out and "held: qwk" in out
    assert status == (0 if "gate ok   held: qwk" in out else 1)
    gates.write_text("suites:\n  renamed: {min_exact: 0.1}\n")
    status, _, err = run(str(suite), "--gates", str(gates))
    assert status == 2 and "'renamed', which is not in this run" in err


def test_a_folder_with_its_own_gates_is_run_on_its_own(tmp_path: Path) -> None:
    write_suite(tmp_path, [answer_case("top", "A toy.", ALL0)], "top.yaml")
    apart = tmp_path / "apart"
    apart.mkdir()
    write_suite(apart, [answer_case("inner", "A toy.", ALL0)], "inner.yaml")
    (apart / "gates.yaml").write_text("max_unscored: 0\n")
    lenient = ("--min-within-one", "0", "--min-probe-accuracy", "0")
    status, out, _ = run(str(tmp_path), *lenient)
    assert status == 0 and "suites: top" in out and "inner" not in out
    status, out, _ = run(str(apart), *lenient)
    assert status == 0 and "suites: inner" in out


def test_raw_labels_give_the_grader_per_labeller_and_the_ceiling(tmp_path: Path) -> None:
    one = {"definition": 1, "implication": 0, "example": 0, "tradeoff": 0}
    labels = {"L1": ALL0, "L2": one}
    suite = write_suite(tmp_path, [answer_case("a", "A toy is a thing.", ALL0, labels=labels)])
    report = tmp_path / "r.json"
    status, out, _ = run(str(suite), "--json", str(report))
    assert status == 0 and "labeller vs labeller" in out
    metrics = json.loads(report.read_text())["metrics"]
    assert metrics["human"]["definition"]["exact"] == 0.0  # 0 against 1
    assert metrics["human"]["implication"]["exact"] == 1.0
    # Pooled over two labels that disagree, the grader can match at most one of them.
    assert metrics["per_labeller"]["definition"]["exact"] <= 0.5
    assert set(metrics["per_labeller"]) == {*ALL0, "all"}
