"""Training on the user's own tunes: collecting them (ABC, MIDI by other programs, bad files),
names, and `launcher.py train` itself with the real PyTorch, llama.cpp and files."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from pathlib import Path

import mido
import pytest

from scripts import temporary
from scripts.model import own_models
from scripts.model.train_command import training_tools_missing
from tests.conftest import CORPUS, REPO, run_launcher
from training.user_tunes import collect, midi_text, notes_end

ABC_FILES = Path(__file__).parent / "abc_files"
MIDI_FILES = Path(__file__).parent / "midi_files"


def folk_rnn_file(folder: Path, count: int) -> Path:
    """The first `count` folk-rnn tunes (real model output nobody here wrote) in one file."""
    blocks = CORPUS.read_text().strip().split("\n\n")[:count]
    path = folder / f"folk-rnn-{count}.abc"
    path.write_text("\n\n".join(blocks) + "\n")
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- Collecting tunes ----


def test_real_abc_files_are_counted_with_reasons():
    collection = collect([ABC_FILES])
    assert collection.found >= 80 and 10 <= collection.kept < collection.found
    assert collection.left_out["several voices"] > 0
    assert collection.left_out["fewer than 8 bars"] > 0
    assert sum(collection.left_out.values()) == collection.found - collection.kept
    assert all(tune.startswith("X:1\n") for tune in collection.tunes)


def test_duplicates_are_dropped(tmp_path):
    source = folk_rnn_file(tmp_path, 5)
    copy = tmp_path / "copy.abc"
    copy.write_text(source.read_text())
    collection = collect([source, copy])
    assert collection.found == 10 and collection.kept == 5
    assert collection.left_out["duplicates"] == 5
    assert collection.sources == [str(source)]


def test_bad_files_are_named_and_the_others_kept(tmp_path):
    folk_rnn_file(tmp_path, 3)
    (tmp_path / "junk.abc").write_bytes(bytes(range(256)) * 10)
    with open(tmp_path / "huge.abc", "wb") as huge:  # 1 GB, sparse: never read
        huge.truncate(1 << 30)
    silent = mido.MidiFile()
    silent.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000)]))
    silent.save(tmp_path / "silent.mid")
    hours = mido.MidiFile()
    hours.tracks.append(
        mido.MidiTrack(
            [
                mido.Message("note_on", note=60, velocity=80, time=0),
                mido.Message("note_off", note=60, time=480 * 2 * 60 * 60 * 3),  # 3 h at 120
            ]
        )
    )
    hours.save(tmp_path / "hours.mid")
    collection = collect([tmp_path])
    assert collection.kept == 3
    problems = sorted(collection.file_problems)
    assert problems[0].startswith("hours.mid: plays 180 minutes: too long")
    assert problems[1].startswith("huge.abc: 1074 MB is too large")
    assert problems[2] == "junk.abc: not a text file"
    assert problems[3] == "silent.mid: the MIDI file has no notes"


def test_mma_files_are_read_by_their_real_length():
    chords = mido.MidiFile(MIDI_FILES / "mma-chord-sheet.mid")
    assert notes_end(chords) == pytest.approx(40, abs=1)  # 20 bars of 4/4 at 120
    melody = midi_text(MIDI_FILES / "mma-melody.mid")
    # The Solo track, not the chords, bass or drums: its first bar is C D E F in quarters.
    body = melody.split("\n%%MIDI program", 1)[1].split("\n", 1)[1]
    assert body.startswith("C,2 D,2 E,2 F,2|")
    collection = collect([MIDI_FILES])  # the chord sheet gives its one single-line track
    assert collection.found == collection.kept == 2


def test_pretty_midi_file_gives_its_melody_not_its_bass(tmp_path):
    import pretty_midi

    song = pretty_midi.PrettyMIDI(initial_tempo=100)
    melody, bass = pretty_midi.Instrument(73), pretty_midi.Instrument(32)
    tune = [67, 69, 71, 72, 74, 72, 71, 69] * 4  # 32 eighths: 8 bars of 2/4 at one note a beat
    for index, pitch in enumerate(tune):
        start = index * 0.3
        melody.notes.append(pretty_midi.Note(90, pitch, start, start + 0.3))
        if index % 2 == 0:
            bass.notes.append(pretty_midi.Note(80, 43, start, start + 0.6))
    song.instruments += [bass, melody]
    song.write(str(tmp_path / "two.mid"))
    abc = midi_text(tmp_path / "two.mid")
    assert "G" in abc and "G,," not in abc  # the melody's G4, never the bass's G2


# --- Names and tools ----


def test_model_names_are_checked(models_folder):
    assert own_models.checked_name("my-tunes") == "my-tunes"
    for bad, message in (
        ("../evil", "path separator"),
        ("a\\b", "path separator"),
        ("", "1-40 letters"),
        ("x.gguf", "without .gguf"),
        ("Starter", "catalog model"),
        ("ChatMusician.Q4_K_M", "catalog model"),
    ):
        with pytest.raises(own_models.ModelNameError, match=message):
            own_models.checked_name(bad)


def test_missing_training_tools_say_how_to_install():
    assert training_tools_missing() == ""
    message = training_tools_missing(("torch", "no_such_training_tool"))
    assert "no_such_training_tool" in message and "python3 requisites.py train-tools" in message


# --- launcher.py train ----


@pytest.fixture
def train_env(tmp_path, data_dir, models_folder):
    return {"LLM_MUSIC_GEN_MODELS": str(models_folder)}


def test_train_refuses_bad_input_in_one_line(tmp_path, data_dir, train_env):
    empty = tmp_path / "empty"
    empty.mkdir()
    one = folk_rnn_file(tmp_path, 1)
    cases = [
        ((str(empty), "--name", "a"), 2, "launcher.py: error: no usable tune: at least 3"),
        ((str(one), "--name", "a"), 2, "launcher.py: error: only 1 usable tune: at least 3"),
        ((str(tmp_path / "nope"), "--name", "a"), 2, "no such file or folder"),
        ((str(one), "--name", "a/b"), 2, "cannot contain a path separator"),
        ((str(one), "--name", "starter"), 2, "is the name of a catalog model"),
    ]
    for args, status, message in cases:
        result = run_launcher("train", *args, data=data_dir, env=train_env)
        assert result.returncode == status, result.stderr
        assert message in result.stderr.splitlines()[-1]
        assert "Traceback" not in result.stderr


def test_train_refuses_an_unwritable_models_folder(tmp_path, data_dir):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    source = folk_rnn_file(tmp_path, 4)
    env = {"LLM_MUSIC_GEN_MODELS": str(blocker / "models")}
    result = run_launcher("train", str(source), "--name", "mine", data=data_dir, env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("launcher.py: error: cannot write models to")


def test_train_refuses_a_full_disk(tmp_path, data_dir):
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=30m", "tmpfs", str(small)])
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small file system here to fill")
    try:
        (small / "filler").write_bytes(b"\0" * (20 << 20))
        source = folk_rnn_file(tmp_path, 4)
        env = {"LLM_MUSIC_GEN_MODELS": str(small / "models")}
        result = run_launcher("train", str(source), "--name", "mine", data=data_dir, env=env)
        assert result.returncode == 1
        assert "MB free in" in result.stderr.splitlines()[-1]
        assert not list((small / "models").glob("*.gguf*"))
    finally:
        subprocess.run(["umount", str(small)])


@pytest.mark.heavy
def test_train_cancel_resume_and_use(tmp_path, data_dir, train_env, models_folder):
    source = folk_rnn_file(tmp_path, 14)
    starter = sha256(temporary.STARTER_MODEL_PATH)
    command = [sys.executable, str(REPO / "launcher.py"), "train", str(source), "--name", "mine"]
    env = {**__import__("os").environ, "LLM_MUSIC_GEN_DATA": str(data_dir), **train_env}
    process = subprocess.Popen(
        [*command, "--steps", "24"], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True
    )
    lines = []
    for line in process.stderr:
        lines.append(line)
        if "step 1/24 " in line:
            process.send_signal(signal.SIGINT)
            break
    lines += process.stderr.readlines()
    assert process.wait(timeout=120) == 130, lines
    assert lines[0] == "14 tunes found, 14 kept\n"
    assert lines[-1].startswith("interrupted: stopped at step")
    assert lines[-1].endswith("its checkpoint kept: run the same command again to resume\n")
    assert not list(models_folder.glob("mine*"))  # no half model, no record
    resumed = run_launcher(
        "train", str(source), "--name", "mine", "--steps", "24", data=data_dir, env=train_env
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed at step" in resumed.stderr and "step 24/24" in resumed.stderr
    assert resumed.stdout.strip() == str(models_folder / "mine.gguf")
    record = json.loads((models_folder / "mine.json").read_text())
    assert record["tunes"] == {"train": 12, "validation": 2, "texts": 36}
    assert record["validation_bits"] < record["starter_validation_bits"]
    card = (models_folder / "mine.md").read_text()
    assert "12 tunes" in card and str(source) in card and "bits per character" in card
    assert not (models_folder / ".training").exists()
    assert sha256(temporary.STARTER_MODEL_PATH) == starter
    listing = run_launcher("models", data=data_dir, env=train_env)
    assert any(
        row.startswith("mine ") and row.endswith("your own") for row in listing.stdout.splitlines()
    )
    again = run_launcher("train", str(source), "--name", "mine", data=data_dir, env=train_env)
    assert again.returncode == 2 and "already have a model called 'mine'" in again.stderr
    song = run_launcher(
        "generate",
        "--styles",
        "Jig",
        "--model",
        str(models_folder / "mine.gguf"),
        "--seed",
        "1",
        "--out",
        str(tmp_path / "songs"),
        "--json",
        data=data_dir,
        env=train_env,
    )
    assert song.returncode == 0, song.stderr
    assert json.loads(song.stdout)["model"] == "mine.gguf"


# --- The training screen (Configure Options, T) ----


@pytest.mark.heavy
def test_training_screen_counts_trains_cancels_and_resumes(tmp_path, data_dir, models_folder):
    from tests.test_tui import Terminal

    source = folk_rnn_file(tmp_path, 14)
    term = Terminal(data_dir, cols=100, env={"LLM_MUSIC_GEN_MODELS": str(models_folder)})
    term.wait_for("Main Menu")
    term.send(b"3")
    term.wait_for("Train = T")
    term.send(b"t")
    term.wait_for("Train Your Own Model")
    term.send(b"\r")
    term.wait_for("Type where your tunes are")
    term.send(str(source).encode() + b"\x1bOB" + b"starter\r")
    term.wait_for("is the name of a catalog model")
    term.send(b"\x7f" * 7 + b"mine\r")
    screen = term.wait_for("14 tunes found, 14 kept", timeout=30)
    screen = term.wait_for("ETA", timeout=60, settle=False)
    assert "Counting your tunes" not in screen  # said while counting, not the whole run
    term.send(b"\x1b")
    screen = " ".join(term.wait_for("Cancelled: stopped at step", timeout=60).split())
    assert "its checkpoint kept. Enter resumes." in screen and "same command" not in screen
    assert not list(models_folder.glob("mine*"))
    term.send(b"\r")
    screen = term.wait_for("Trained mine", timeout=300)
    assert "it is in the Model Catalog" in screen and (models_folder / "mine.gguf").is_file()
    term.send(b"\x1bm")
    screen = term.wait_for("Model Catalog")
    assert any(line.startswith("mine ") and "your own" in line for line in screen.splitlines())
    term.send(b"x")
    assert term.exit_status() == 0 and term.restored()
