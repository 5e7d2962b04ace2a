"""launcher.py's sub-commands, run as a user runs them: in a subprocess."""

import json
import os

import pytest

from tests.audio_probe import seconds_and_rms
from tests.conftest import CORPUS, run_launcher


def run_generate(data_dir, **options):
    """`launcher.py generate --styles ... --model ...` with options given as keywords."""
    flags = [x for name, value in options.items() for x in (f"--{name}", str(value))]
    return run_launcher("generate", *flags, data=data_dir)


def test_generate_prints_one_line_per_song_and_list_shows_them(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    result = run_launcher(
        "generate",
        "--styles",
        "Waltz, Sad",
        "--count",
        "2",
        "--model",
        str(abc_model),
        "--seed",
        "42",
        "--out",
        str(out),
        "--json",
        data=data_dir,
    )
    assert result.returncode == 0, result.stderr
    songs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(songs) == 2
    for song in songs:
        assert song["meter"] == "3/4" and song["styles"] == ["Waltz", "Sad"]
        seconds, rms = seconds_and_rms(out / song["files"]["mp3"])
        assert seconds > 5 and rms > 0.005
    assert "Producing song 1/2" in result.stderr and "Converting song 2/2" in result.stderr
    listed = run_launcher("list", "--out", str(out), "--json", data=data_dir)
    assert [json.loads(line)["title"] for line in listed.stdout.splitlines()] == [
        song["title"] for song in songs
    ]


def test_same_seed_same_song(abc_model, data_dir, tmp_path):
    runs = [
        run_launcher(
            "generate",
            "--styles",
            "Jig",
            "--model",
            str(abc_model),
            "--seed",
            "9",
            "--out",
            str(tmp_path / str(n)),
            "--json",
            data=data_dir,
        )
        for n in range(2)
    ]
    first, second = (json.loads(run.stdout) for run in runs)
    assert first["raw_text"] == second["raw_text"] and first["seed"] == second["seed"] == 9


def test_generate_with_a_garbage_model_fails_with_reasons(garbage_model, data_dir, tmp_path):
    # Short attempts: llama-cpp-python slows to a crawl on text that is not valid UTF-8.
    # The meter grammar off: the model's own garbage must reach the pipeline.
    settings = {"settings": {"max_tokens": 48, "retries": 1, "meter_grammar": False}}
    (data_dir / "persistent.json").write_text(json.dumps(settings))
    result = run_generate(data_dir, styles="Rock", model=garbage_model, out=tmp_path)
    assert result.returncode == 1
    assert "song 1 skipped: abc: no usable tune after 2 tries" in result.stderr
    assert result.stdout == "" and not any(tmp_path.glob("*.mp3"))


def test_render_a_file_reports_bad_tunes_by_number_and_renders_the_rest(data_dir, tmp_path):
    tunes = CORPUS.read_text().split("\n\n")
    source = tmp_path / "mixed.abc"
    # Two model-written tunes (no X:) around a tune of the user's with no music in it.
    source.write_text("\n\n".join([tunes[0], "X:7\nT:Only words\nK:C\nW:la la\n", tunes[1]]))
    result = run_launcher(
        "render", str(source), "--styles", "Chill", "--out", str(tmp_path / "out"), data=data_dir
    )
    assert result.returncode == 1
    assert 'tune 2 skipped: "Only words" (X:7): abc: no ABC tune found' in result.stderr
    paths = result.stdout.splitlines()
    assert len(paths) == 2 and all(os.path.getsize(path) > 10_000 for path in paths)


def test_render_a_file_without_tunes_says_so_in_one_line(data_dir, tmp_path):
    source = tmp_path / "letter.txt"
    source.write_text("Dear diary, today I wrote no music at all.\n")
    result = run_launcher("render", str(source), data=data_dir)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"launcher.py: error: {source}: no ABC tune found in the text"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "0"], "count must be between 1 and 100, not 0"),
        (["--count", "-3"], "count must be between 1 and 100, not -3"),
        (["--count", "three"], "count must be a whole number, not 'three'"),
        (["--count", "1000000"], "count must be between 1 and 100"),
        (["--styles", " , ,"], "styles are empty"),
        (["--styles", ""], "styles are empty"),  # blank is no surprise here: "?" is
        (["--styles", "x" * 500], "styles are too long"),
        (["--seed", "-1"], "seed must be between 0 and 2147483647"),
    ],
)
def test_bad_arguments_give_one_clear_line(abc_model, data_dir, args, message):
    base = {"--styles": "Chill", "--count": "1", "--model": str(abc_model)}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = run_launcher("generate", *[x for pair in base.items() for x in pair], data=data_dir)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert message in line and "Traceback" not in result.stderr


def test_model_problems_give_one_clear_line(data_dir, tmp_path):
    not_gguf = tmp_path / "notes.gguf"
    not_gguf.write_text("hello")
    cases = [
        (["--model", str(tmp_path / "missing.gguf")], "model file not found"),
        (["--model", str(not_gguf)], "notes.gguf is not a GGUF model file"),
    ]
    for extra, message in cases:
        result = run_launcher("generate", "--styles", "Chill", *extra, data=data_dir)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_folder(abc_model, data_dir, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = run_generate(data_dir, styles="Chill", model=abc_model, out=locked / "songs")
    assert result.returncode == 2 and "cannot write to the output folder" in result.stderr


def test_output_folder_that_is_a_file(abc_model, data_dir, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_generate(data_dir, styles="Chill", model=abc_model, out=blocker)
    assert result.returncode == 2
    assert "cannot write to the output folder" in result.stderr and "Traceback" not in result.stderr


def test_help_lists_the_commands(data_dir):
    result = run_launcher("--help", data=data_dir)
    assert result.returncode == 0
    for command in ("generate", "render", "list"):
        assert command in result.stdout
