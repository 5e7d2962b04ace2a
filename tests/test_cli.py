"""launcher.py's sub-commands, run as a user runs them: in a subprocess."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.audio_probe import seconds_and_rms
from tests.conftest import CORPUS, REPO, run_launcher


def run_generate(data_dir, **options):
    """`launcher.py generate --styles ... --model ...` with options given as keywords (True: a
    flag without a value, as json=True for --json)."""
    flags = [
        x
        for name, value in options.items()
        for x in ((f"--{name}",) if value is True else (f"--{name}", str(value)))
    ]
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


@pytest.mark.heavy
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


@pytest.mark.heavy
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
        (["--count", "0"], "the number of songs must be between 1 and 100, not 0"),
        (["--count", "-3"], "the number of songs must be between 1 and 100, not -3"),
        (["--count", "three"], "the number of songs must be a whole number, not 'three'"),
        (["--count", "1000000"], "the number of songs must be between 1 and 100"),
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
    [line] = result.stderr.splitlines()  # said as it is, not as "File exists"
    assert line.endswith(f"the output folder {blocker} is a file, not a folder")


def test_help_lists_the_commands(data_dir):
    result = run_launcher("--help", data=data_dir)
    assert result.returncode == 0
    for command in ("generate", "render", "list"):
        assert command in result.stdout


# --- settings that work in one place and break in another -----------------------------------------


def write_settings(data_dir, **values):
    (data_dir / "persistent.json").write_text(json.dumps({"settings": values}))


@pytest.mark.heavy
def test_a_soundfont_under_home_renders_and_a_missing_one_is_said_once(
    abc_model, data_dir, tmp_path
):
    from scripts.audio.audio_render import default_soundfont

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(default_soundfont(), home / "x.sf2")
    out = tmp_path / "songs"
    args = ("generate", "--styles", "Jazz", "--model", str(abc_model), "--out", str(out))
    write_settings(data_dir, soundfont_path="~/x.sf2")
    result = run_launcher(*args, data=data_dir, env={"HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert len(list(out.glob("*.mp3"))) == 1
    write_settings(data_dir, soundfont_path="~/gone.sf2")
    result = run_launcher(*args, data=data_dir, env={"HOME": str(home)})
    assert result.returncode == 2
    [line] = result.stderr.splitlines()  # once, in full, before any model time
    assert f"the SoundFont {home / 'gone.sf2'}" in line and "is not a file" in line


@pytest.mark.heavy
def test_an_output_folder_under_home_is_the_same_for_every_command(abc_model, data_dir, tmp_path):
    home = tmp_path / "home"
    write_settings(data_dir, output_dir="~/songs")
    env = {"HOME": str(home)}
    result = run_launcher(
        "generate", "--styles", "Folk", "--model", str(abc_model), data=data_dir, env=env
    )
    assert result.returncode == 0, result.stderr
    [mp3] = result.stdout.splitlines()
    assert mp3.startswith(str(home / "songs")) and not (REPO / "~").exists()
    listed = run_launcher("list", "--json", data=data_dir, env=env)
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [Path(mp3).stem]
    # --out=~/songs: the shell leaves "~" after "=" as it is; the app expands it
    listed = run_launcher("list", "--json", "--out=~/songs", data=data_dir, env=env)
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [Path(mp3).stem]
    tune = tmp_path / "tune.abc"
    tune.write_text(CORPUS.read_text().split("\n\n")[0] + "\n")
    rendered = run_launcher("render", "~/tune.abc", "--out=~/more", data=data_dir, env=env)
    assert rendered.returncode == 2 and f"{home}/tune.abc: does not exist" in rendered.stderr
    shutil.copy(tune, home / "tune.abc")
    rendered = run_launcher("render", "~/tune.abc", "--out=~/more", data=data_dir, env=env)
    assert rendered.returncode == 0 and rendered.stdout.startswith(str(home / "more"))
    assert not (REPO / "~").exists()


@pytest.mark.parametrize(
    "stored", ['{"settings": [1, 2]}', '{"settings": "abc"}', '{"prompts": {"stop": [1, 2]}}']
)
def test_a_settings_file_of_the_wrong_shape_is_a_warning_not_a_traceback(
    data_dir, tmp_path, stored
):
    (data_dir / "persistent.json").write_text(stored)
    result = run_launcher("list", "--out", str(tmp_path / "none"), data=data_dir)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line, empty] = result.stderr.splitlines()
    assert line.startswith("warning: ") and empty.startswith("no songs in")


def test_escape_sequences_in_the_styles_reach_no_file_tag_or_terminal(
    abc_model, data_dir, tmp_path
):
    from mutagen.id3 import ID3

    out = tmp_path / "songs"
    styles = "Jazz\x1b[31m, Rock\x07\x1b]0;title\x07"
    result = run_generate(data_dir, styles=styles, model=abc_model, out=out, json=True)
    assert result.returncode == 0, result.stderr
    [song] = [json.loads(line) for line in result.stdout.splitlines()]
    assert song["styles"] == ["Jazz", "Rock"]
    assert str(ID3(out / song["files"]["mp3"])["TCON"]) == "Jazz, Rock"
    sidecar = out / song["files"]["mp3"].replace(".mp3", ".json")  # edited by hand
    sidecar.write_text(json.dumps({**song, "title": "Evil\x1b[2J\x1b[31m Title\x07"}))
    (out / "library.json").unlink()
    listed = run_launcher("list", "--out", str(out), data=data_dir)
    assert "Evil Title" in listed.stdout
    assert not any(char in listed.stdout + listed.stderr for char in "\x1b\x07")


def test_list_reads_without_writing(data_dir, tmp_path):
    missing = tmp_path / "not-made-yet"
    result = run_launcher("list", "--out", str(missing), data=data_dir)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"no songs in {missing}\n"  # said, not silence
    assert not missing.exists()  # listing made no folder
    missing.mkdir()
    assert run_launcher("list", "--out", str(missing), data=data_dir).returncode == 1


def test_a_broken_prompt_template_stops_the_batch_before_it_starts(data_dir, tmp_path):
    stored = {"prompts": {"abc_header": "X:1\nK:{foo}\n"}}
    (data_dir / "persistent.json").write_text(json.dumps(stored))
    result = run_generate(data_dir, styles="Jig", out=tmp_path / "songs")
    assert result.returncode == 2, result.stderr  # settings that cannot work, as a bad path
    assert result.stderr.splitlines()[-1] == (
        "launcher.py: error: the prompt template is broken: it has no field {foo}; its fields: "
        "{meter}, {unit}, {key}, {tempo}, {rhythm}, {styles}, {title} (Options: Prompt: ABC "
        "header)"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_list_works_in_a_read_only_folder(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    assert run_generate(data_dir, styles="Jig", model=abc_model, out=out).returncode == 0
    (out / "library.json").unlink()  # a rebuild would want to write it
    out.chmod(0o555)
    try:
        result = run_launcher("list", "--out", str(out), data=data_dir)
    finally:
        out.chmod(0o755)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 1


def test_list_for_an_unknown_artist_is_no_usage_error(data_dir, tmp_path):
    result = run_launcher("list", "--out", str(tmp_path), "--artist", "Nobody", data=data_dir)
    assert result.returncode == 1
    assert result.stderr.strip() == f"no songs by 'Nobody' in {tmp_path}"


def test_a_damaged_index_lists_and_ranks_its_songs(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    song = json.loads(
        run_generate(data_dir, styles="Jig", model=abc_model, out=out, json=True).stdout
    )
    index = json.loads((out / "library.json").read_text())
    index["songs"][0].update(duration_seconds="long", plays="many")
    (out / "library.json").write_text(json.dumps(index))
    for extra in ((), ("--artist", song["artist"])):
        listed = run_launcher("list", "--out", str(out), *extra, data=data_dir)
        assert listed.returncode == 0 and song["title"] in listed.stdout, listed.stderr


@pytest.fixture
def small_disk(tmp_path):
    """A 24 MB tmpfs (root only): a disk that fills up within a batch."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_stops_the_batch_with_one_message(abc_model, data_dir, small_disk):
    from scripts import temporary

    free = shutil.disk_usage(small_disk).free
    room = temporary.MIN_FREE_DISK_BYTES + 1_500_000  # a song or two past the check at the start
    (small_disk / "filler").write_bytes(b"\0" * (free - room))
    result = run_generate(data_dir, styles="Jazz", count=8, model=abc_model, out=small_disk / "o")
    assert result.returncode == 1
    made = len(result.stdout.splitlines())
    assert 1 <= made < 8 and len(list((small_disk / "o").glob("*.mp3"))) == made
    stops = [line for line in result.stderr.splitlines() if "the disk is almost full" in line]
    assert stops == [
        f"Stopped before song {made + 1}: the disk is almost full: less than 20 MB "
        f"free in {small_disk / 'o'}."
    ]
    assert "skipped" not in result.stderr


# --- every text from a server, a model or a file is printable when the CLI shows it ---------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
UNSAFE = "\x1b\x07\x9b" + BIDI


def test_printable_strips_bidirectional_controls():
    from scripts.utility import json_line, printable

    spoof = "Rock \u202eevil.exe\u202c \u2066x\u2069\u200f"
    assert printable(spoof) == "Rock evil.exe x"
    line = json_line({"label": spoof + "\x9b"})
    assert json.loads(line)["label"] == spoof + "\x9b"  # the same text, escaped
    assert not any(char in line for char in UNSAFE)


def test_a_style_label_and_a_song_title_with_controls_print_without_them(data_dir, tmp_path):
    folder = tmp_path / "styles"
    folder.mkdir()
    rock = json.loads((REPO / "data" / "styles" / "rock.json").read_text(encoding="utf-8"))
    rock.update(label="Rock\u202e\x9b\x1b]0;PWNED\x07 llew", synonyms=["roc\u202ek"])
    (folder / "rock.json").write_text(json.dumps(rock), encoding="utf-8")
    for extra in ((), ("--json",)):
        listed = run_launcher("styles", "--dir", str(folder), *extra, data=data_dir)
        assert listed.returncode == 0, listed.stderr
        assert not any(char in listed.stdout + listed.stderr for char in UNSAFE)
    assert "Rock llew" in run_launcher("styles", "--dir", str(folder), data=data_dir).stdout


def test_a_servers_bad_status_line_reaches_the_terminal_without_its_escapes(data_dir):
    from tests.test_remote_model import raw_server

    line = b"\x1b]0;PWNED-TITLE\x07\x1b[2J\x1b[31mRED \xe2\x80\xae\r\n\r\n"
    url, close = raw_server(lambda connection: (connection.sendall(line), connection.close()))
    try:
        result = run_launcher("generate", "--server", url, "--styles", "Jig", data=data_dir)
    finally:
        close()
    assert result.returncode == 2 and "RED" in result.stderr, result.stderr
    assert not any(char in result.stderr for char in UNSAFE)


def test_counts_are_said_in_the_singular_for_one(data_dir, tmp_path):
    from scripts.library.song_library import SongLibrary
    from scripts.utility import plural

    assert [plural(n, "play") for n in (0, 1, 2)] == ["0 plays", "1 play", "2 plays"]
    library = SongLibrary(tmp_path)
    stem = library.new_stem("Once")
    for extension in (".abc", ".mid", ".mp3"):
        library.partial_path(stem, extension).write_bytes(b"data")
    library.commit(stem, {"title": "Once", "artist": "Ada", "created": "x"})
    library.record_play(stem)
    listed = run_launcher("list", "--out", str(tmp_path), "--artist", "Ada", data=data_dir)
    assert listed.stdout.rstrip().endswith("  1 play"), listed.stdout


def test_generate_keeps_to_the_batch_maximum_set_in_options(data_dir):
    write_settings(data_dir, max_songs_per_batch=2)
    result = run_generate(data_dir, styles="Jig", count=3)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "launcher.py: error: --count 3 is more than the 2 songs a batch may make (Options: Max "
        "songs per batch, at most 100)"
    )
