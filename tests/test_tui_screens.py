"""The three screens driven through a pseudo-terminal as a user would: typing, waiting, reading."""

import json
import os
import re
import time

import pytest

from scripts import settings, temporary
from scripts.library.song_library import SongLibrary
from scripts.song import identity
from scripts.tui.screens.options import OPTIONS
from tests.conftest import run_launcher
from tests.test_tui import Terminal

DOWN, BACKSPACE, ESC = b"\x1bOB", b"\x7f", b"\x1b"


def option_row(name: str) -> int:
    return [option.name for option in OPTIONS].index(name)


def configure(data_dir, **values) -> None:
    config = settings.defaults()
    config["settings"].update(values)
    settings.save(config, data_dir)


def open_generate(data_dir, **env) -> Terminal:
    term = Terminal(data_dir, env=env)
    term.wait_for("Main Menu")
    term.send(b"1")
    term.wait_for("What kind of music are we making today?")
    return term


def song_files(folder):
    return sorted(path.name for path in folder.iterdir() if path.name != "library.json")


def test_bad_answers_get_a_message_and_keep_what_was_typed(data_dir):
    term = open_generate(data_dir)
    term.send(b" , ,\r")  # commas only: a slip, so a message (blank or ? would be a surprise)
    screen = term.wait_for("styles are empty")
    assert "User Input:  , ," in screen
    assert "leave it blank for a surprise" in " ".join(screen.split())  # the message wraps
    term.send(BACKSPACE * 4 + b"Chill\r")
    term.wait_for("How many songs should I generate?")
    for answer, message in (
        (b"0", "the number of songs must be between 1 and 20, not 0"),
        (b"abc", "the number of songs must be a whole number, not 'abc'"),
        (b"999", "the number of songs must be between 1 and 20, not 999"),
        (b"-2", "the number of songs must be between 1 and 20, not -2"),
        (b"", "give the number of songs to make, 1 to 20"),  # not "a whole number, not ''"
    ):
        term.send(answer + b"\r")
        screen = term.wait_for(message)
        assert f"User Input: {answer.decode()}" in screen
        term.send(BACKSPACE * len(answer))
    term.send(ESC)  # back to the first question, the styles still there
    assert "User Input: Chill" in term.wait_for("Next = Enter")
    term.send(ESC + b"x")
    assert term.exit_status() == 0 and term.restored()


@pytest.mark.heavy
def test_two_songs_with_their_bars(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    configure(data_dir, model_path=str(abc_model), output_dir=str(out))
    term = open_generate(data_dir)
    term.send(b"Chill, Dubstep\r2\r")
    screen = term.wait_for("Converting song number", timeout=30, settle=False)
    assert 'Producing "Chill, Dubstep" themed song number' in screen and "% Complete" in screen
    screen = term.wait_for("Batch finished: 2 made, 0 skipped.", timeout=180)
    assert "2/2 songs" in screen and screen.count("Made: ") == 2
    assert len([name for name in song_files(out) if name.endswith(".mp3")]) == 2
    term.send(b"x")
    assert term.exit_status() == 0 and term.restored()


def test_blank_styles_make_a_surprise_genre_by_an_invented_artist(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    configure(data_dir, model_path=str(abc_model), output_dir=str(out), seed=5)
    genre, artist = identity.invent_genre(5), identity.invent_artist(5)["name"]
    term = open_generate(data_dir)
    term.send(b"\r")
    assert "User Input: (blank: surprise me)" in term.wait_for("How many songs")
    term.send(b"1\r")
    screen = term.wait_for(f'Producing "{genre}" themed song number 1', timeout=30)
    assert f"Artist for this batch: {artist}" in screen
    term.wait_for("Batch finished: 1 made, 0 skipped.", timeout=120)
    [sidecar] = [
        json.loads(path.read_text()) for path in out.glob("*.json") if path.stem != "library"
    ]
    assert sidecar["styles"] == [genre] and sidecar["artist"] == artist
    term.send(b"x")
    assert term.exit_status() == 0 and term.restored()


def test_esc_cancels_the_song_being_made_and_keeps_the_finished_ones(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    configure(data_dir, model_path=str(abc_model), output_dir=str(out))
    term = open_generate(data_dir)
    term.send(b"Folk\rc\r")  # continuous: until Esc
    term.wait_for("Made: ", timeout=120, settle=False)  # the screen never rests while it runs
    term.send(ESC)
    screen = term.wait_for("Batch cancelled", timeout=60)
    made = int(re.search(r"Batch cancelled: (\d+) made", screen).group(1))
    assert made >= 1
    names = song_files(out)
    assert not [name for name in names if name.endswith(".part")]
    stems = {name.rsplit(".", 1)[0] for name in names}
    assert len(stems) == made and len(names) == 4 * made  # .abc .mid .mp3 .json each
    term.send(b"x")
    assert term.exit_status() == 0


def test_an_option_is_checked_saved_and_kept_after_a_restart(data_dir):
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"3")
    term.wait_for("Temperature")
    term.send(DOWN * option_row("temperature") + b"\r")  # prefilled with 0.9
    term.send(BACKSPACE * 3 + b"9\r")
    term.wait_for("Temperature must be between 0 and 5")
    term.send(BACKSPACE + b"0.7\r")
    term.wait_for("Saved: Temperature = 0.7")
    term.send(b"x")
    assert term.exit_status() == 0
    stored = json.loads((data_dir / "persistent.json").read_text())
    assert stored["settings"]["temperature"] == 0.7
    again = Terminal(data_dir)
    again.wait_for("Main Menu")
    again.send(b"3")
    row = next(line for line in again.wait_for("Temperature").splitlines() if "Temperature" in line)
    assert row.split()[-1] == "0.7"
    again.send(b"x")
    assert again.exit_status() == 0


def test_the_server_url_option_is_checked_and_saved(data_dir):
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"3")
    term.wait_for("Server URL")
    term.send(DOWN + b"\r" + b"gpu-box:8080\r")
    screen = " ".join(term.wait_for("Server URL must be empty or an http:// or https://").split())
    assert "(not 'gpu-box:8080'). Edit it or press Esc." in screen  # wrapped, not cut off
    term.send(BACKSPACE * 12 + b"http://gpu-box:8080/v1\r")
    term.wait_for("Saved: Server URL = http://gpu-box:8080/v1")
    term.send(b"x")
    assert term.exit_status() == 0
    stored = json.loads((data_dir / "persistent.json").read_text())
    assert stored["settings"]["server_url"] == "http://gpu-box:8080/v1"


def test_a_grammar_llama_cpp_cannot_parse_is_refused_and_the_app_goes_on(data_dir):
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"3")
    term.wait_for("Prompt format")
    term.send(DOWN * option_row("abc_grammar") + b"\r")
    term.send(b"\x15" + b"root ::= tune\r")  # Ctrl+U clears the shipped grammar
    term.wait_for("Checking the grammar", settle=False)  # the screen lives while llama.cpp tries
    screen = " ".join(term.wait_for("Undefined rule identifier", timeout=60).split())
    assert "Undefined rule identifier 'tune'. Edit it or press Esc." in screen  # wrapped, whole
    term.send(ESC)
    term.send(b"x")
    assert term.exit_status() == 0 and term.restored()
    assert json.loads((data_dir / "persistent.json").read_text())["prompts"]["abc_grammar"] == ""


def clock_seconds(screen: str) -> float:
    minutes, seconds = re.search(r"(\d\d):(\d\d)/\d\d:\d\d", screen).groups()
    return int(minutes) * 60 + int(seconds)


def now_playing(screen: str) -> str:
    return re.search(r"(?:Playing song|Paused): (.*) by ", screen).group(1)


def make_songs(model, data_dir, out, styles: str, count: int, seed: int) -> list[dict]:
    """Songs made beforehand with the CLI, into `out` (the configured output folder)."""
    configure(data_dir, output_dir=str(out))
    made = run_launcher(
        "generate", "--styles", styles, "--count", str(count), "--seed", str(seed),
        "--model", str(model), "--json", data=data_dir,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return [json.loads(line) for line in made.stdout.splitlines()]


@pytest.mark.heavy
def test_jukebox_plays_pauses_skips_deletes_and_resumes(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    titles = [song["title"] for song in make_songs(abc_model, data_dir, out, "Waltz", 3, 1)]
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"2")
    screen = term.wait_for("Playing song:")
    assert now_playing(screen) == titles[0]
    assert f"Next 5 Songs: {titles[1]}, {titles[2]}" in screen
    start = clock_seconds(screen)
    time.sleep(2.5)
    assert clock_seconds(term.settled()) >= start + 2  # the clock moves on its own
    term.send(b" ")
    paused = clock_seconds(term.wait_for("Paused:"))
    time.sleep(1.5)
    assert clock_seconds(term.settled()) == paused
    term.send(b"n")
    screen = term.wait_for(f"Playing song: {titles[1]}")
    term.send(b"?")
    term.wait_for("shuffle on / off")
    term.send(b"?d")
    term.wait_for(f"Delete {titles[1]} and its files? (y/n)")
    term.send(b"y")
    screen = term.wait_for(f"Deleted {titles[1]}.")
    assert now_playing(screen) == titles[2]
    assert not [p for p in out.iterdir() if titles[1].lower().replace(" ", "-") in p.name]
    time.sleep(2)  # a song left after a second or more is offered for resuming
    term.send(b"x")
    assert term.exit_status() == 0 and term.restored()
    again = Terminal(data_dir)
    again.wait_for("Main Menu")
    again.send(b"2")
    again.wait_for(f"Resume {titles[2]} at")
    again.send(b"y")
    assert now_playing(again.wait_for("Playing song:")) == titles[2]
    again.send(b"x")
    assert again.exit_status() == 0


@pytest.mark.heavy
def test_the_jukebox_opened_before_the_first_song_plays_it_when_made(abc_model, data_dir, tmp_path):
    configure(data_dir, model_path=str(abc_model), output_dir=str(tmp_path / "songs"))
    term = open_generate(data_dir)
    term.send(b"Jazz\rc\r")
    term.wait_for("Producing")
    term.send(b"j")  # generate while listening
    screen = term.wait_for("Playing song: ", timeout=120)
    [first, *_] = SongLibrary(tmp_path / "songs").scan()  # the first song made, by its artist
    assert f"Playing song: {first.title} by {first.artist}" in screen
    assert "[generating" in screen and "continuous]" in screen
    term.send(b"x")  # exit cancels the song being made: only finished songs stay
    assert term.exit_status(timeout=30) == 0 and term.restored()
    assert not list((tmp_path / "songs").glob("*.part"))


def test_a_file_that_is_not_a_model_gives_a_message_and_the_app_goes_on(data_dir, tmp_path):
    fake = tmp_path / "notes.gguf"
    fake.write_text("not a model")
    configure(data_dir, model_path=str(fake), output_dir=str(tmp_path / "songs"))
    term = open_generate(data_dir)
    term.send(b"Chill\r1\r")
    screen = " ".join(term.wait_for("Nothing was generated.").split())  # as read, unwrapped
    assert "The model cannot be used: notes.gguf is not a GGUF model file" in screen
    term.send(b"b")
    term.wait_for("Main Menu")
    term.send(b"x")
    assert term.exit_status() == 0


def test_a_corrupt_settings_file_is_set_aside_and_said_so(data_dir):
    (data_dir / "persistent.json").write_text("{ not json")
    term = Terminal(data_dir)
    screen = " ".join(term.wait_for("Main Menu").split())
    assert "persistent.json was unreadable" in screen and "the defaults were written" in screen
    assert list(data_dir.glob("persistent.json.corrupt-*.bak"))
    term.send(b"x")
    assert term.exit_status() == 0


@pytest.mark.heavy
def test_a_broken_song_file_is_skipped_with_a_message(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    first, second = make_songs(abc_model, data_dir, out, "Jig", 2, 5)
    (out / first["files"]["mp3"]).write_bytes(b"\x00garbage" * 100)
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"2")
    screen = " ".join(term.wait_for(f"Playing song: {second['title']}").split())
    assert f"Skipped: cannot play {first['files']['mp3']}" in screen
    term.send(b"x")
    assert term.exit_status() == 0


def test_ctrl_c_while_generating_restores_the_terminal_and_leaves_no_partial_files(
    abc_model, data_dir, tmp_path
):
    out = tmp_path / "songs"
    configure(data_dir, model_path=str(abc_model), output_dir=str(out))
    term = open_generate(data_dir)
    term.send(b"Rock\rc\r")
    term.wait_for("Converting song number", timeout=60)
    term.send(b"\x03")
    assert term.exit_status(timeout=30) == 0
    assert term.restored()
    assert not list(out.glob("*.part"))
    for sidecar in out.glob("*.json"):  # every song that is there is whole
        if sidecar.name != "library.json":
            assert sidecar.with_suffix(".mp3").exists()


# --- Options > Model catalog: choosing and downloading models (a local fake hub) ------------------


def catalog_terminal(data_dir, tmp_path, fake_hub, hosted, **size) -> Terminal:
    """The app with a catalog of the starter model, a model on the fake hub and an audio-token
    model, on the Model Catalog screen."""
    from scripts import temporary
    from tests.fake_hub import catalog_entry, write_catalog

    starter = catalog_entry("starter", repo=None, file=temporary.STARTER_MODEL_PATH.name)
    goat = catalog_entry("goat", hosted, format="audio-tokens", uses=[])
    catalog = tmp_path / "catalog.json"
    write_catalog(catalog, [starter, catalog_entry("tiny", hosted), goat])
    env = {
        "LLM_MUSIC_GEN_CATALOG": str(catalog),
        "LLM_MUSIC_GEN_MODELS": str(tmp_path / "models"),
        "HF_ENDPOINT": fake_hub.endpoint,
    }
    term = Terminal(data_dir, env=env, **size)
    term.wait_for("Main Menu")
    term.send(b"3")
    term.wait_for("Catalog = M")
    term.send(b"m")
    term.wait_for("Model Catalog")
    return term


def seen(term: Terminal, needle: str, timeout: float = 30) -> str:
    """The screen as soon as `needle` shows, without waiting for it to settle: a download in
    progress redraws its bar several times a second."""
    deadline = time.monotonic() + timeout
    while needle not in term.text():
        assert time.monotonic() < deadline, f"{needle!r} never appeared on:\n{term.text()}"
        term.read(0.05)
    return term.text()


def unwrapped(screen: str) -> str:
    return " ".join(screen.split())


def test_the_catalog_downloads_and_chooses_a_model_at_the_smallest_size(
    data_dir, tmp_path, fake_hub, abc_model
):
    hosted = fake_hub.add("test/tiny-GGUF", "tiny.gguf", abc_model.read_bytes())
    term = catalog_terminal(data_dir, tmp_path, fake_hub, hosted, rows=16, cols=60)
    screen = term.settled()
    assert "Move = Up/Down, Choose = Enter, Back = B, Exit Program = X" in screen
    row = next(line for line in screen.splitlines() if line.startswith("tiny"))
    assert row.split() == ["tiny", "2.6", "MB", "abc", "0.1", "GB", "-"]
    term.send(DOWN + b"\r")
    screen = unwrapped(term.wait_for("(y/n)"))
    assert "Download tiny (2.6 MB)? It needs about 0.1 GB of RAM to run." in screen
    term.send(b"y")
    screen = unwrapped(term.wait_for("Enter uses it", timeout=60))
    assert "Downloaded Test model tiny (tiny.gguf)" in screen and "100% tiny" in screen
    assert (tmp_path / "models" / "tiny.gguf").read_bytes() == hosted.data
    term.send(b"\r")
    screen = term.wait_for("Model set: Test model tiny")
    row = next(line for line in screen.splitlines() if line.startswith("tiny"))
    assert row.rstrip().endswith("in use")
    stored = json.loads((data_dir / "persistent.json").read_text())["settings"]
    assert stored["model_path"] == str((tmp_path / "models" / "tiny.gguf").resolve())
    assert (stored["temperature"], stored["top_k"]) == (0.8, 30)
    term.send(DOWN + b"\r")
    screen = unwrapped(term.wait_for("audio-codec"))
    assert "emits audio-codec tokens (YuE stage 2)" in screen and "cannot use it" in screen
    assert len(fake_hub.get_requests()) == 1  # nothing was fetched for it
    term.send(b"\x1bOA")  # Up: another model; what was said of that one goes with it
    time.sleep(0.3)
    assert "audio-codec" not in unwrapped(term.settled()).split("Test model tiny:")[0]
    term.send(b"b")
    model_row = term.wait_for("Prompt format").splitlines()[4]
    assert model_row.startswith("Model") and stored["model_path"][:30] in model_row  # clipped
    assert model_row.rstrip().endswith("…")  # and says so
    term.send(b"x")
    assert term.exit_status() == 0 and term.restored()


def test_esc_cancels_a_download_and_the_next_one_resumes(data_dir, tmp_path, fake_hub, abc_model):
    hosted = fake_hub.add("test/tiny-GGUF", "tiny.gguf", abc_model.read_bytes())
    fake_hub.faults.delay_per_chunk = 0.15  # about 6 s for the whole file
    term = catalog_terminal(data_dir, tmp_path, fake_hub, hosted)
    term.send(DOWN + b"\r")
    term.wait_for("(y/n)")
    term.send(b"y")
    screen = seen(term, "/s, ETA")
    assert "[downloading" in screen and "getting" in screen
    term.send(DOWN)  # the screen answers keys while the download goes on
    seen(term, "Test model goat: served by the fake hub", timeout=2)
    assert "Cancel download = Esc" in term.text()
    term.send(ESC)
    screen = unwrapped(term.wait_for("Download cancelled;", timeout=30))
    assert "Download cancelled;" in screen and "kept for the next try." in screen
    assert not (tmp_path / "models" / "tiny.gguf").exists()
    [partial] = (tmp_path / "models" / ".downloads").iterdir()
    kept = partial.stat().st_size
    fake_hub.faults.delay_per_chunk = 0
    term.send(b"\x1bOA\r")  # up to tiny again, Enter
    assert "already here" in unwrapped(term.wait_for("(y/n)"))
    term.send(b"y")
    term.wait_for("Enter uses it", timeout=60)
    assert fake_hub.get_requests()[-1].range == f"bytes={kept}-"
    assert (tmp_path / "models" / "tiny.gguf").read_bytes() == hosted.data
    term.send(b"x")
    assert term.exit_status() == 0 and term.restored()


# --- settings and folders that cannot work, as the screens say it ------------------------------


def test_a_batch_that_cannot_start_says_why_and_blames_no_answer(data_dir, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    configure(data_dir, output_dir=str(blocker), soundfont_path="")
    term = open_generate(data_dir)
    term.send(b"Chill\r1\r")
    screen = " ".join(term.wait_for("Cannot start").split())
    assert f"Cannot start: the output folder {blocker} is a file, not a folder." in screen
    assert "Please answer again" not in screen
    configure(data_dir, soundfont_path="~/gone.sf2")  # read at the next start of the app
    term.send(ESC + ESC + b"x")
    assert term.exit_status() == 0
    term = open_generate(data_dir, HOME=str(tmp_path))
    term.send(b"Chill\r1\r")
    screen = " ".join(term.wait_for("Cannot start").split())  # in full, not cut off
    assert f"the SoundFont {tmp_path / 'gone.sf2'} (Options: SoundFont '~/gone.sf2')" in screen
    term.send(ESC + ESC + b"x")
    assert term.exit_status() == 0


def test_a_new_batch_starts_from_empty_answers(abc_model, data_dir, tmp_path):
    configure(data_dir, model_path=str(abc_model), output_dir=str(tmp_path / "songs"))
    term = open_generate(data_dir)
    term.send(b"Jazz\r1\r")
    term.wait_for("Batch finished: 1 made", timeout=120)
    term.send(b"n")
    term.wait_for("Next = Enter")
    term.send(b"Rock\r3")
    screen = term.wait_for("User Input: 3")
    assert "User Input: Rock" in screen and "JazzRock" not in screen and "13" not in screen
    term.send(ESC + ESC + b"x")
    assert term.exit_status() == 0


@pytest.mark.heavy
def test_the_jukebox_opens_on_an_index_with_wrong_types(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    [song] = make_songs(abc_model, data_dir, out, "Jig", 1, 4)
    index = json.loads((out / "library.json").read_text())
    index["songs"][0].update(duration_seconds="long", plays="many", title=["x"])
    (out / "library.json").write_text(json.dumps(index))
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"2")
    term.wait_for(f"Playing song: {song['title']}")  # rebuilt from the sidecar
    term.send(b"x")
    assert term.exit_status() == 0


def test_options_home_and_end_and_every_setting_has_a_help_line(data_dir):
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"3")
    term.wait_for("Temperature")
    term.send(b"\x1bOF")  # End: the last option, the grammar
    term.wait_for("empty = shipped")
    term.send(b"\x1bOH")  # Home: the first
    screen = term.wait_for(settings.SCHEMA["model_path"].help[:30])
    assert "empty = shipped" not in screen
    term.send(b"x")
    assert term.exit_status() == 0
    assert all(setting.help for setting in settings.SCHEMA.values())


def test_the_styles_folder_row_counts_the_folder_just_saved(data_dir, tmp_path):
    """Issue 19: the row kept the old count, and said nothing of a broken file, until re-entered."""
    from scripts.style.style_library import load_library

    shipped = len(load_library().styles)
    folder = tmp_path / "my styles"
    folder.mkdir()
    rock = json.loads((temporary.STYLES_DIR / "rock.json").read_text(encoding="utf-8"))
    rock.update(name="myrock", synonyms=["garage rock deluxe"])
    (folder / "myrock.json").write_text(json.dumps(rock), encoding="utf-8")
    (folder / "broken.json").write_text("{", encoding="utf-8")
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"3")
    term.wait_for("Temperature")
    term.send(DOWN * option_row("styles_dir") + b"\r" + str(folder).encode() + b"\r")
    screen = " ".join(term.wait_for("Saved: Styles folder").split())
    assert f"Saved: Styles folder, {shipped + 1} styles. Style broken.json: is not valid" in screen
    term.send(b"d")  # the default folder again: the shipped styles only
    screen = " ".join(term.wait_for(f"Saved: Styles folder, {shipped} styles.").split())
    assert "broken" not in screen and f"{shipped} styles (" in screen  # the row's help too
    term.send(b"x")
    assert term.exit_status() == 0


def test_x_while_a_batch_runs_asks_before_exiting(abc_model, data_dir, tmp_path):
    configure(data_dir, model_path=str(abc_model), output_dir=str(tmp_path / "songs"))
    term = open_generate(data_dir)
    term.send(b"Jazz\rc\r")
    term.wait_for("Producing", settle=False)
    term.send(b"x")
    term.wait_for("Exit now? The song being made is dropped", settle=False)
    term.send(b"n")  # no: the batch goes on
    time.sleep(0.5)
    assert "Exit now?" not in term.settled(limit=1)
    assert os.waitpid(term.pid, os.WNOHANG)[0] == 0  # still running
    term.send(b"x")
    term.wait_for("Exit now?", settle=False)
    term.send(b"y")
    assert term.exit_status(timeout=30) == 0 and term.restored()
    assert not list((tmp_path / "songs").glob("*.part"))
