"""The library on disk: partial files never count, the index heals itself."""

import json
import subprocess
import sys
import time

import pytest

from scripts.library.song_library import SongLibrary
from tests.conftest import CORPUS, REPO, run_launcher


def make_song(library: SongLibrary, title: str) -> dict:
    stem = library.new_stem(title)
    for extension in (".abc", ".mid", ".mp3"):
        library.partial_path(stem, extension).write_bytes(b"data")
    return library.commit(stem, {"title": title, "created": title})


def test_songs_are_listed_oldest_first(tmp_path):
    library = SongLibrary(tmp_path)
    make_song(library, "A")
    make_song(library, "B")
    assert [song.title for song in library.songs()] == ["A", "B"]


def test_partial_files_are_not_songs_and_are_cleaned(tmp_path):
    library = SongLibrary(tmp_path)
    make_song(library, "Kept")
    (tmp_path / "20990101-000000-half.mp3.part").write_bytes(b"half")  # its writer is gone
    assert [song.title for song in library.songs()] == ["Kept"]
    assert library.remove_partials() == 1
    assert not list(tmp_path.glob("*.part"))


def test_a_corrupt_or_stale_index_is_rebuilt_from_sidecars(tmp_path):
    library = SongLibrary(tmp_path)
    first = make_song(library, "One")
    make_song(library, "Two")
    library.index_path.write_text("{not json")
    assert [song.title for song in library.songs()] == ["One", "Two"]
    (tmp_path / first["files"]["mp3"]).unlink()  # deleted by the user behind our back
    assert [song.title for song in library.songs()] == ["Two"]
    assert [s["title"] for s in json.loads(library.index_path.read_text())["songs"]] == ["Two"]


def test_same_title_twice_gets_two_files(tmp_path):
    library = SongLibrary(tmp_path)
    first, second = make_song(library, "Same"), make_song(library, "Same")
    assert first["files"]["mp3"] != second["files"]["mp3"]


# --- one owner of library.json, a tolerant Song record, live partial files kept -------------------


def test_wrong_types_in_the_index_rebuild_it_from_the_sidecars(tmp_path):
    library = SongLibrary(tmp_path)
    make_song(library, "One")
    make_song(library, "Two")
    index = json.loads(library.index_path.read_text())
    index["songs"][0].update(duration_seconds="long", plays="many", styles=7, title=None)
    index["songs"][1]["plays"] = 3
    library.index_path.write_text(json.dumps(index))
    songs = SongLibrary(tmp_path).songs()
    assert [(song.title, song.plays) for song in songs] == [("One", 0), ("Two", 3)]
    assert all(song.duration_seconds == 0.0 and song.styles == [] for song in songs)
    assert SongLibrary(tmp_path).top_tracks("")[0].title == "Two"


def test_a_sidecar_with_wrong_types_is_listed_with_defaults(tmp_path):
    from scripts.library.song_library import Song

    library = SongLibrary(tmp_path)
    stem = make_song(library, "Odd")["files"]["mp3"][:-4]
    (tmp_path / f"{stem}.json").write_text(
        json.dumps({"title": ["x"], "artist": 5, "duration_seconds": "long", "seed": "s"})
    )
    library.index_path.unlink()
    [song] = SongLibrary(tmp_path).songs()
    assert song == Song(stem)


def test_an_unreadable_index_is_kept_as_a_backup_and_its_play_counts_recovered(tmp_path):
    library = SongLibrary(tmp_path)
    first, second = make_song(library, "One"), make_song(library, "Two")
    for _ in range(3):
        library.record_play(first["files"]["mp3"][:-4])
    library.record_play(second["files"]["mp3"][:-4])
    damaged = library.index_path.read_text()[:-6]  # cut off while it was being copied
    library.index_path.write_text(damaged)
    again = SongLibrary(tmp_path)
    assert [song.plays for song in again.songs()] == [3, 1]
    [backup] = tmp_path.glob("library.json.corrupt-*.bak")
    assert backup.read_text() == damaged
    [notice] = again.notices
    assert backup.name in notice and "2 play counts recovered" in notice


def test_text_with_escape_sequences_is_read_without_them(tmp_path):
    library = SongLibrary(tmp_path)
    song = make_song(library, "Blue\x1b[31m Moon\x07")
    assert library.songs()[0].title == "Blue Moon"
    assert song["title"] == "Blue\x1b[31m Moon\x07"  # the sidecar as written (by a test)


PLAYER = """
import sys
from pathlib import Path
from scripts.library.song_library import SongLibrary
library = SongLibrary(Path(sys.argv[1]))
for _ in range(int(sys.argv[3])):
    library.record_play(sys.argv[2])
"""


def test_play_counts_from_two_processes_at_once_are_all_kept(tmp_path):
    library = SongLibrary(tmp_path)
    stem = make_song(library, "Busy")["files"]["mp3"][:-4]
    players = [
        subprocess.Popen([sys.executable, "-c", PLAYER, str(tmp_path), stem, "40"], cwd=REPO)
        for _ in range(2)
    ]
    for _ in range(40):  # and this process's own (the TUI's UI thread, say) at the same time
        library.record_play(stem)
    assert [player.wait(timeout=120) for player in players] == [0, 0]
    assert SongLibrary(tmp_path).songs()[0].plays == 120


SAVER = """
import sys, time
from pathlib import Path
from scripts.library.song_library import SongLibrary
library = SongLibrary(Path(sys.argv[1]))
library.partial_path("20990101-000000-in-progress", ".mp3").write_bytes(b"half a song")
print("saving", flush=True)
time.sleep(120)
"""


def test_a_second_batch_keeps_the_song_another_process_is_saving(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    out.mkdir()
    saver = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(out)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert saver.stdout.readline() == "saving\n"
        (out / "20990101-000000-crashed.mp3.part").write_bytes(b"left by a killed run")
        result = run_launcher(
            "generate",
            "--styles",
            "Jazz",
            "--model",
            str(abc_model),
            "--out",
            str(out),
            data=data_dir,
        )
        assert result.returncode == 0, result.stderr
        assert (out / "20990101-000000-in-progress.mp3.part").read_bytes() == b"half a song"
        assert not (out / "20990101-000000-crashed.mp3.part").exists()
    finally:
        saver.kill()
        saver.wait()
    assert SongLibrary(out).remove_partials() == 1  # its writer is gone now: stale
    assert not list(out.glob("*.part"))


def test_a_running_jukebox_picks_up_songs_another_process_added(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_MUSIC_GEN_AUDIO", "null")
    from scripts.player.music_service import MusicService

    out = tmp_path / "songs"
    source = tmp_path / "tune.abc"
    source.write_text(CORPUS.read_text().split("\n\n")[0] + "\n")
    render = ("render", str(source), "--out", str(out))
    assert run_launcher(*render, data=data_dir).returncode == 0
    service = MusicService(out)
    try:
        assert len(service.jukebox) == 1
        assert run_launcher(*render, data=data_dir).returncode == 0  # another process
        deadline = time.monotonic() + 10  # the index is looked at every LIBRARY_LOOK_S
        while len(service.jukebox) < 2 and time.monotonic() < deadline:
            service.tick()
            time.sleep(0.05)
        assert len(service.jukebox) == 2
    finally:
        service.close()


# --- play counts recovered from any damaged index, backups that never collide ---------------------

MEMBERS = [{"name": "Ada", "instrument": "oud"}, {"name": "Bo", "instrument": "tuba"}]


def played_library(folder) -> tuple[SongLibrary, dict[str, int]]:
    """Three songs with members (as every generated song has), played 1, 2 and 3 times."""
    library = SongLibrary(folder)
    plays = {}
    for count, title in enumerate(("One", "Two", "Three"), start=1):
        stem = library.new_stem(title)
        for extension in (".abc", ".mid", ".mp3"):
            library.partial_path(stem, extension).write_bytes(b"data")
        library.commit(stem, {"title": title, "created": title, "artist_members": MEMBERS})
        for _ in range(count):
            library.record_play(stem)
        plays[stem] = count
    return library, plays


@pytest.mark.parametrize(
    ("damage", "whole"),
    [
        (lambda text: text[: text.rindex('"plays"') - 40], (1, 2)),  # cut inside the last entry
        (lambda text: text.replace('"Two"', '"Tw\x00\xff\x1b', 1), (1, 3)),  # bytes overwritten
        (lambda text: '{"songs": {"a": ' + text[text.index("[") :] + "}", (1, 2, 3)),
    ],
    ids=["truncated", "binary", "songs-not-a-list"],
)
def test_play_counts_are_recovered_from_a_damaged_index_of_real_songs(tmp_path, damage, whole):
    library, plays = played_library(tmp_path)
    text = library.index_path.read_text()
    assert '"members": [' in text
    library.index_path.write_bytes(damage(text).encode("utf-8", "surrogateescape"))
    again = SongLibrary(tmp_path)
    recovered = {song.id: song.plays for song in again.songs()}
    assert [recovered[stem] for stem in plays] == [n if n in whole else 0 for n in (1, 2, 3)]
    assert f"with {len(whole)} play counts recovered" in again.notices[0]


def test_two_damaged_indexes_in_one_second_keep_both_backups(tmp_path):
    library, _ = played_library(tmp_path)
    for damaged in ("{first", "{second", "{third"):
        library.index_path.write_text(damaged)
        SongLibrary(tmp_path).songs()
    backups = sorted(tmp_path.glob("library.json.corrupt-*.bak"))
    assert sorted(path.read_text() for path in backups) == ["{first", "{second", "{third"]


def test_an_mp3_of_the_users_own_does_not_make_every_reader_rebuild_the_index(tmp_path):
    library, _ = played_library(tmp_path)
    (tmp_path / "my own recording.mp3").write_bytes(b"not a song of the library")
    library.songs()
    written = library.index_path.stat().st_mtime_ns
    time.sleep(0.02)
    assert [song.title for song in SongLibrary(tmp_path).songs()] == ["One", "Two", "Three"]
    assert library.index_path.stat().st_mtime_ns == written  # read, not rebuilt and rewritten


def test_two_batches_saving_at_once_never_take_one_title(tmp_path):
    """Issue 19: two `generate` runs at once with one seed saved "The North" twice."""
    first, second = SongLibrary(tmp_path), SongLibrary(tmp_path)  # two batches, one folder
    assert first.claim_title("The North") == "The North"
    assert second.claim_title("The North") == "The North II"  # the first is being saved
    stem = first.new_stem("The North")
    for extension in (".abc", ".mid", ".mp3"):
        first.partial_path(stem, extension).write_bytes(b"data")
    first.commit(stem, {"title": "The North", "created": "1"})
    third = SongLibrary(tmp_path)
    assert third.claim_title("The North") == "The North III"  # saved: in the library now
    discarded = second.new_stem("The North II")
    second.partial_path(discarded, ".mp3").write_bytes(b"half")
    second.discard(discarded)  # cancelled: its title is free again
    assert SongLibrary(tmp_path).claim_title("The North II") == "The North II"
