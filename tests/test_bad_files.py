"""Files that are not what they should be: every JSON file the app loads is
read through one bounded reader with one recovery path; a GGUF, a styles folder, a file to render
and a closed pipe each get one line, never a traceback."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts import settings, temporary
from scripts.input_files import InputFileError, parse_json, read_json
from scripts.library.song_library import SongLibrary
from scripts.model.catalog import CatalogError, load_catalog
from scripts.player.jukebox import read_state
from scripts.style.style_library import load_library
from tests.conftest import REPO, run_launcher

DEEP = "[" * 100_000
DEEP_OBJECTS = '{"a":' * 100_000


def make_song(library: SongLibrary, title: str) -> str:
    stem = library.new_stem(title)
    for extension in (".abc", ".mid", ".mp3"):
        library.partial_path(stem, extension).write_bytes(b"data")
    library.commit(stem, {"title": title, "created": title})
    return stem


@pytest.mark.parametrize("text", [DEEP, DEEP_OBJECTS, "[" * 65 + "]" * 65])
def test_the_reader_bounds_nesting(text):
    with pytest.raises(InputFileError, match="nests deeper than 64 levels"):
        parse_json(text)
    assert parse_json("[" * 64 + "]" * 64) is not None
    assert parse_json('["[[[[' + "[" * 100 + '"]') == ["[[[[" + "[" * 100]  # text, not nesting


def test_the_reader_bounds_numbers_size_and_kinds_of_file(tmp_path):
    with pytest.raises(InputFileError, match="holds a number of 5000 digits"):
        parse_json('{"tempo": [' + "9" * 5000 + ", 120]}")
    assert parse_json('{"seed": -4294967295, "x": 1e400}') == {"seed": -4294967295, "x": 1e400}
    big = tmp_path / "big.json"
    with open(big, "wb") as stream:  # sparse: the bound is checked before reading
        stream.truncate(2 * temporary.JSON_MAX_BYTES)
    with pytest.raises(InputFileError, match="32 MB is too large"):
        read_json(big)
    with pytest.raises(InputFileError, match="is a folder"):
        read_json(tmp_path)
    os.mkfifo(tmp_path / "fifo.json")  # opening it would wait for a writer forever
    with pytest.raises(InputFileError, match="not a regular file"):
        read_json(tmp_path / "fifo.json")
    (tmp_path / "latin.json").write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(InputFileError, match="not UTF-8"):
        read_json(tmp_path / "latin.json")
    with pytest.raises(InputFileError) as missing:
        read_json(tmp_path / "nowhere.json")
    assert missing.value.missing


@pytest.mark.parametrize("text", [DEEP, '{"settings": {"seed": ' + "1" * 5000 + "}}"])
def test_deep_or_huge_settings_are_set_aside(data_dir, text):
    (data_dir / "persistent.json").write_text(text)
    config, [problem] = settings.load()
    assert config == settings.defaults() and "moved to" in problem
    [backup] = data_dir.glob("persistent.json.corrupt-*.bak")
    assert backup.read_text() == text


def test_a_deep_index_sidecar_and_resume_state_are_recovered_from(tmp_path):
    library = SongLibrary(tmp_path)
    kept, damaged = make_song(library, "Kept"), make_song(library, "Damaged")
    (tmp_path / f"{damaged}.json").write_text(DEEP)
    library.index_path.write_text(DEEP)
    again = SongLibrary(tmp_path)
    listed = {song.id: song.title for song in again.songs()}
    assert listed == {kept: "Kept", damaged: ""}  # listed by its file name, and said so
    assert "library.json was unreadable (nests deeper than 64 levels)" in again.notices[0]
    assert again.notices[1:] == [
        f"the sidecar {damaged}.json: nests deeper than 64 levels; its song is listed without "
        "its details"
    ]
    assert again.sidecar(damaged) == {}
    state = tmp_path / "jukebox.json"
    state.write_text(DEEP)
    assert read_state(state) is None


def test_a_deep_or_huge_style_file_is_skipped_with_one_line(tmp_path):
    folder = tmp_path / "styles"
    folder.mkdir()
    (folder / "deep.json").write_text(DEEP)
    rock = json.loads((temporary.STYLES_DIR / "rock.json").read_text(encoding="utf-8"))
    rock.update(name="huge", synonyms=[])
    (folder / "huge.json").write_text(
        json.dumps(rock).replace('"tempo": [', '"tempo": [' + "1" * 5000 + "0, ")
    )
    problems = load_library(folder).problems
    assert "deep.json: nests deeper than 64 levels (skipped)" in problems
    assert "huge.json: holds a number of 5001 digits (skipped)" in problems


def test_a_styles_folder_that_is_a_symlink_loop_is_one_line(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    library = load_library(loop)
    assert library.problems == [
        f"{loop}: the styles folder cannot be read: Too many levels of symbolic links"
    ]
    assert "rock" in library
    data = tmp_path / "data"
    data.mkdir()
    listed = run_launcher("styles", "--dir", str(loop), data=data)
    assert listed.returncode == 1 and "Traceback" not in listed.stderr
    assert "Too many levels of symbolic links" in listed.stderr


def test_a_deep_catalog_and_own_model_record(tmp_path, models_folder, data_dir):
    from scripts.model.own_models import own_entries

    catalog = tmp_path / "catalog.json"
    catalog.write_text(DEEP)
    with pytest.raises(CatalogError, match="nests deeper than 64 levels"):
        load_catalog(catalog)
    models_folder.mkdir()
    (models_folder / "mine.gguf").write_bytes(b"GGUF")
    (models_folder / "mine.json").write_text(DEEP)
    [mine] = own_entries()  # listed all the same, and said so: it does not vanish
    assert mine.name == "mine" and mine.own
    assert mine.note == (
        "Your own model; its record mine.json nests deeper than 64 levels, so what it learnt "
        "from is not known."
    )
    listed = run_launcher("models", data=data_dir, env={"LLM_MUSIC_GEN_CATALOG": str(catalog)})
    assert listed.returncode == 2 and "Traceback" not in listed.stderr
    assert "nests deeper than 64 levels" in listed.stderr


def test_the_cli_lists_a_library_whose_files_are_all_deep(data_dir, tmp_path):
    out = tmp_path / "songs"
    out.mkdir()
    library = SongLibrary(out)
    make_song(library, "One")
    (data_dir / "persistent.json").write_text(DEEP)
    (out / "library.json").write_text(DEEP)
    listed = run_launcher("list", "--out", str(out), data=data_dir)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    assert "One" in listed.stdout and "nests deeper" in listed.stderr


def gguf_string(text: str) -> bytes:
    return struct.pack("<Q", len(text)) + text.encode()


def test_a_gguf_nesting_arrays_deep_is_a_damaged_gguf(data_dir, tmp_path):
    header = temporary.GGUF_MAGIC + struct.pack("<IQQ", 3, 0, 1) + gguf_string("x.deep")
    header += struct.pack("<I", 9) + struct.pack("<IQ", 9, 1) * 5000 + struct.pack("<IQ", 0, 0)
    path = tmp_path / "deep.gguf"
    path.write_bytes(header)
    result = run_launcher("generate", "--styles", "Jig", "--model", str(path), data=data_dir)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "launcher.py: error: deep.gguf nests arrays too deep in its header (damaged?)"
    )


def test_render_bounds_its_input_before_reading(data_dir, tmp_path):
    sparse = tmp_path / "huge.abc"
    with open(sparse, "wb") as stream:
        stream.truncate(1 << 30)
    for path, message in ((sparse, "1074 MB is too large"), (Path("/dev/zero"), "too large")):
        started = time.monotonic()
        result = run_launcher("render", str(path), "--out", str(tmp_path / "o"), data=data_dir)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert time.monotonic() - started < 30
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


@pytest.mark.parametrize("command", ["styles", "models"])
def test_a_reader_that_went_away_is_no_traceback(data_dir, command):
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` once it has its line: every write fails
    try:
        result = subprocess.run(
            [sys.executable, "launcher.py", command, "--json"],
            cwd=REPO,
            env={**os.environ, "LLM_MUSIC_GEN_DATA": str(data_dir)},
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert result.stderr == "" and result.returncode == 141
