"""The rubric loader on broken files: one clear error naming the file and the field."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from locations import FIXTURES

from agent.bank.rubric import load_bank, load_rubric
from agent.cli.app import main
from agent.errors import RubricError

TOY = FIXTURES / "rubrics" / "toy-question.yaml"


def write(tmp_path: Path, data: object, name: str = "toy-question.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def toy_data() -> dict[str, object]:
    data = yaml.safe_load(TOY.read_text())
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(colour="blue"), "colour: unknown key"),
        (lambda d: d.pop("question"), "question: Field required"),
        (lambda d: d.update(topic="cooking"), "topic: Input should be"),
        (lambda d: d["definition"]["points"][0].update(level=4), "definition.points.0.level"),
        (lambda d: d["tradeoff"].update(probes=["only one?"]), "tradeoff.probes"),
        (lambda d: d["example"]["points"][0].update(match=[["(unclosed"]]), "bad regex"),
        (lambda d: d.update(senior_probes=d["senior_probes"][:2]), "at least 4 items"),
        (
            lambda d: d.update(senior_probes=[d["senior_probes"][0]] * 4),
            "needs every kind; missing ['deployment', 'drift', 'fit']",
        ),
        (lambda d: d["implication"]["points"][2].update(level=2), "level-3 point"),
    ],
)
def test_broken_field_is_named(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    data = toy_data()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)


def test_not_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "id: [unclosed\n")
    with pytest.raises(RubricError, match="not valid YAML"):
        load_rubric(path)


def test_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="expected a mapping"):
        load_rubric(write(tmp_path, "- a\n- b\n"))


def test_id_must_match_file_name(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="must match the file name"):
        load_rubric(write(tmp_path, toy_data(), name="other.yaml"))


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="no rubric files"):
        load_bank(tmp_path)


def test_cli_reports_a_broken_bank_in_one_line_exit_2(tmp_path: Path) -> None:
    data = toy_data()
    data["definition"]["need"] = 9  # type: ignore[index]
    write(tmp_path, data)
    err = io.StringIO()
    status = main(["--rubrics", str(tmp_path), "questions"], io.StringIO(), io.StringIO(), err)
    assert status == 2
    assert err.getvalue().count("\n") == 1
    assert "toy-question.yaml: definition.need" in err.getvalue()


def test_duplicate_keys_are_an_error_not_an_overwrite(tmp_path: Path) -> None:
    text = TOY.read_text().replace("title: A toy question for tests\n", "title: A\ntitle: B\n")
    with pytest.raises(RubricError, match=r"duplicate key 'title'"):
        load_rubric(write(tmp_path, text))


def test_every_packaged_regex_compiles() -> None:
    """The packaged bank defers compiling to first use; this is where a bad regex is caught."""
    from agent.resources import rubrics_dir

    bank = load_bank(rubrics_dir())  # an explicit directory compiles every cue at load
    assert len(bank.rubrics) == 25
    for rubric in bank.rubrics.values():
        for dim in ("definition", "implication", "example", "tradeoff"):
            for point in getattr(rubric, dim).points:
                assert point.compiled
