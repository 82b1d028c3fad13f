"""The CLI never misleads: each case of issue 14, run as a user would, gives a clear
line and an exit code that says whether anything useful happened."""

from __future__ import annotations

import glob
import json
import shlex
import shutil
import zipfile
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from extractor.cli import app

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "corpora" / "seed-cohort" / "notes"
# ../shared beside the repository, or beside the folder holding this worktree
SHARED = next((p / "shared" for p in REPO.parents if (p / "shared" / "spec").is_dir()), REPO.parent / "shared")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def two_patients(tmp_path: Path) -> list[Path]:
    """One real demo note each of two patients, named as the gold-set layout names them."""
    paths = []
    for name in ("P01__01-derm.txt", "P03__02-endo.txt"):
        paths.append(Path(shutil.copy(DEMO / name, tmp_path / name)))
    return paths


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --------------------------------------------------------------------------- extract


def test_extract_of_the_demo_corpus_prints_one_record_per_patient_equal_to_its_own_extract(runner: CliRunner) -> None:
    # Act
    together = runner.invoke(app, ["extract", *sorted(map(str, DEMO.glob("*.txt")))])
    # Assert
    assert together.exit_code == 0, together.stderr
    records = [json.loads(line) for line in _lines(together.stdout)]
    ids = [r["patient_id"] for r in records]
    assert ids == ["P01", "P02", "P03", "P04", "P05", "P06", "P07"]
    for record in records:
        alone = runner.invoke(app, ["extract", *sorted(map(str, DEMO.glob(f"{record['patient_id']}__*.txt")))])
        assert alone.exit_code == 0, alone.stderr
        assert json.loads(alone.stdout) == record


def test_one_patient_still_prints_one_indented_object(runner: CliRunner, two_patients: list[Path]) -> None:
    result = runner.invoke(app, ["extract", str(two_patients[0])])
    assert result.exit_code == 0
    assert result.stdout.startswith("{\n") and json.loads(result.stdout)["patient_id"] == "P01"


def test_mixed_patient_ids_with_patient_id_are_refused(runner: CliRunner, two_patients: list[Path]) -> None:
    result = runner.invoke(app, ["extract", *map(str, two_patients), "--patient-id", "X1"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "P01, P03" in result.stderr and "drop --patient-id" in result.stderr


def test_a_note_without_prefix_beside_prefixed_notes_is_refused(runner: CliRunner, two_patients: list[Path],
                                                                 tmp_path: Path) -> None:
    bare = Path(shutil.copy(DEMO / "P02__01-derm.txt", tmp_path / "referral.txt"))
    result = runner.invoke(app, ["extract", str(two_patients[0]), str(bare)])
    assert result.exit_code == 2
    assert "referral.txt has no <patient_id>__ prefix" in result.stderr


def test_patient_id_names_the_one_patient_of_prefixed_notes(runner: CliRunner, two_patients: list[Path]) -> None:
    result = runner.invoke(app, ["extract", str(two_patients[0]), "--patient-id", "X1", "--compact"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["patient_id"] == "X1"


@pytest.mark.parametrize("kind", ["csv", "jsonl", "zip", "folder"])
def test_tables_archives_and_folders_given_to_extract_point_to_batch(runner: CliRunner, tmp_path: Path,
                                                                     kind: str) -> None:
    # Arrange
    note = (DEMO / "P01__01-derm.txt").read_text(encoding="utf-8")
    if kind == "csv":
        path = tmp_path / "notes.csv"
        path.write_text('patient_id,text\nP01,"' + note.replace('"', '""') + '"\n', encoding="utf-8")
    elif kind == "jsonl":
        path = tmp_path / "notes.jsonl"
        path.write_text(json.dumps({"patient_id": "P01", "text": note}) + "\n", encoding="utf-8")
    elif kind == "zip":
        path = tmp_path / "notes.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("P01__01-derm.txt", note)
    else:
        path = tmp_path / "notes"
        path.mkdir()
        shutil.copy(DEMO / "P01__01-derm.txt", path)
    # Act
    result = runner.invoke(app, ["extract", str(path)])
    # Assert
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"extractor batch {path}" in result.stderr


def test_a_misspelt_note_among_several_is_reported_and_counted(runner: CliRunner, two_patients: list[Path]) -> None:
    typo = two_patients[0].with_name("P01__01-drem.txt")
    result = runner.invoke(app, ["extract", str(two_patients[0]), str(typo)])
    assert result.exit_code == 1
    assert f"{typo}: no such file" in result.stderr
    assert json.loads(result.stdout)["patient_id"] == "P01"  # the rest is still used


def test_a_binary_note_is_one_line_and_nothing_read_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    pdf = tmp_path / "P01__scan.txt"
    pdf.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(512))  # an image saved as .txt
    result = runner.invoke(app, ["extract", str(pdf)])
    assert result.exit_code == 2
    assert f"{pdf}: looks like a binary file" in result.stderr


def test_empty_standard_input_is_nothing_to_extract(runner: CliRunner) -> None:
    result = runner.invoke(app, ["extract", "-"], input="")
    assert result.exit_code == 2
    assert "nothing to extract" in result.stderr


def test_a_large_text_gets_a_line_before_it_is_processed(runner: CliRunner, two_patients: list[Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("extractor.cli.LARGE_TEXT_CHARS", 100)
    result = runner.invoke(app, ["extract", str(two_patients[0]), "--compact"])
    assert result.exit_code == 0
    assert "patient P01:" in result.stderr and "this can take minutes" in result.stderr
    assert json.loads(result.stdout)["patient_id"] == "P01"


# --------------------------------------------------------------------------- help and version


def test_version_and_short_help(runner: CliRunner) -> None:
    from extractor import __version__

    assert runner.invoke(app, ["--version"]).stdout.strip() == f"extractor {__version__}"
    for args in (["-h"], ["extract", "-h"], ["batch", "-h"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Usage:" in result.stdout


COMMANDS = ("extract", "batch", "evaluate", "schema", "audit")


@pytest.mark.parametrize("command", COMMANDS)
def test_each_help_ends_with_examples_that_parse(runner: CliRunner, command: str, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    """Two or three example lines close the help; each parses with the command's own options,
    and the repository paths they name exist."""
    # Arrange
    monkeypatch.chdir(REPO)
    help_text = runner.invoke(app, [command, "-h"], terminal_width=400).stdout
    tail = help_text.rsplit("Examples:", 1)
    # Assert
    assert len(tail) == 2, help_text
    examples = [line.strip() for line in tail[1].splitlines() if line.strip()]
    assert 2 <= len(examples) <= 3 and all(e.startswith(f"extractor {command}") for e in examples)
    group = typer.main.get_command(app)

    def local(word: str) -> str:
        if word.startswith("../shared/"):  # the team's data beside the repository
            if not (SHARED / word.removeprefix("../shared/")).exists():
                pytest.skip(f"{word} not beside the repository")
            return str(SHARED / word.removeprefix("../shared/"))
        if word.startswith("out/"):  # what `make demo` (an earlier example) wrote
            made = tmp_path / word
            made.parent.mkdir(parents=True, exist_ok=True)
            made.touch()
            return str(made)
        return word

    for example in examples:
        words = shlex.split(example.split(" #")[0].split(" > ")[0].split(" 2> ")[0])[2:]
        expanded = [local(match) for w in words for match in (sorted(glob.glob(w)) if "*" in w else [w])]
        for word in expanded:
            if word.startswith("corpora/"):
                assert Path(word).exists(), word
        sub = group.get_command(click.Context(group), command)  # type: ignore[attr-defined]
        sub.make_context(command, expanded)  # raises on an unknown option, a bad choice, a missing file


def test_input_format_help_lists_the_presets(runner: CliRunner) -> None:
    help_text = " ".join(runner.invoke(app, ["batch", "-h"], terminal_width=400).stdout.split())
    for preset in ("mimic-iii: patient=SUBJECT_ID", "mimic-iv: patient=subject_id",
                   "omop: patient=person_id, doc=note_id, date=note_date", "text=note_text"):
        assert preset in help_text


# --------------------------------------------------------------------------- batch


def test_batch_of_an_empty_folder_exits_2_saying_so(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 2
    assert "nothing was processed: no note was found" in result.stderr


def test_batch_of_a_table_without_the_right_columns_names_the_option(runner: CliRunner, tmp_path: Path) -> None:
    table = tmp_path / "notes.csv"
    note = (DEMO / "P01__01-derm.txt").read_text(encoding="utf-8")
    table.write_text('subject,body\nP01,"' + note.replace('"', '""') + '"\n', encoding="utf-8")
    result = runner.invoke(app, ["batch", str(table), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 2
    line = [x for x in _lines(result.stderr) if "nothing was processed" in x]
    assert len(line) == 1 and "no patient column" in line[0] and "--patient-col" in line[0]


def test_batch_of_only_binary_files_exits_2_saying_why(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    for name in ("P01__a.txt", "P02__b.pdf"):
        (folder / name).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(512))
    result = runner.invoke(app, ["batch", str(folder), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 2
    assert "all 2 note(s) failed" in result.stderr and "binary 2" in result.stderr


def test_batch_with_a_missing_input_among_others_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    shutil.copy(DEMO / "P01__01-derm.txt", folder)
    result = runner.invoke(app, ["batch", str(folder), str(tmp_path / "notez"), "--out", str(tmp_path / "out"),
                                 "--workers", "1"])
    assert result.exit_code == 1
    assert f"could not be read: {tmp_path / 'notez'}" in result.stderr
    assert (tmp_path / "out" / "records.jsonl").read_text(encoding="utf-8").count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "-3"], "--workers"),
        (["--workers", "0"], "--workers"),
        (["--format", "xls"], "'xls' is not one of"),
        (["--engine", "dask"], "'dask' is not one of"),
        (["--input-format", "mimic"], "'mimic' is not one of"),
        (["--note-timeout", "0"], "--note-timeout must be greater than 0"),
        (["--omop-text"], "give it with --omop"),
    ],
)
def test_bad_option_values_are_refused_before_anything_runs(runner: CliRunner, tmp_path: Path, args: list[str],
                                                            message: str) -> None:
    result = runner.invoke(app, ["batch", str(DEMO), "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_out_dash_is_refused_and_no_folder_named_dash_appears(runner: CliRunner, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["batch", str(DEMO), "--out", "-"])
    assert result.exit_code == 2
    assert "'-' (standard output) is not possible" in result.stderr
    assert not (tmp_path / "-").exists()


# --------------------------------------------------------------------------- evaluate


@pytest.mark.parametrize("content", [b"\x1f\x8b\x08\x00" + bytes(range(256)) * 40, b"\x89PNG\r\n\x1a\n" + bytes(512)])
def test_a_binary_pred_file_is_one_line(runner: CliRunner, tmp_path: Path, content: bytes) -> None:
    pred = tmp_path / "records.jsonl"
    pred.write_bytes(content)
    result = runner.invoke(app, ["evaluate", str(REPO / "corpora" / "seed-cohort"), "--pred", str(pred)])
    assert result.exit_code == 2
    assert len(_lines(result.stderr)) == 1 and result.stderr.startswith(f"extractor: {pred}: ")


def test_a_pred_file_that_is_not_json_lines_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    pred = tmp_path / "records.csv"
    pred.write_text("patient_id,sex\n" + "".join(f"P0{i},female\n" for i in range(1, 8)), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(REPO / "corpora" / "seed-cohort"), "--pred", str(pred)])
    assert result.exit_code == 2
    assert len(_lines(result.stderr)) == 1 and "no line is a record (8 lines" in result.stderr
