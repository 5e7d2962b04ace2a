"""Playback on miniaudio's null device (real time, no sound card) and the silent clock, and the
jukebox's queue. The MP3s are made by the app's own encoder."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from scripts import temporary
from scripts.audio.audio_render import write_mp3
from scripts.library.song_library import Song
from scripts.player.jukebox import Jukebox, ResumeState
from scripts.player.playback import (
    MiniaudioPlayer,
    PlaybackError,
    Player,
    SilentPlayer,
    open_player,
)

try:
    import miniaudio
except ImportError:  # an optional package: the clock and the queue are tested without it
    miniaudio = None
needs_miniaudio = pytest.mark.skipif(miniaudio is None, reason="miniaudio is not installed")

RATE = 44100


def sine_mp3(path: Path, seconds: float, hz: float = 440.0) -> Path:
    t = np.arange(int(RATE * seconds)) / RATE
    tone = 0.5 * np.sin(2 * np.pi * hz * t)
    write_mp3(np.stack([tone, tone]), RATE, path, {"title": path.stem}, "128k")
    return path


@pytest.fixture(scope="module")
def mp3s(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("songs")
    garbage = folder / "garbage.mp3"
    garbage.write_bytes(bytes(range(256)) * 64)
    return {
        "short": sine_mp3(folder / "short.mp3", 1.5),
        "long": sine_mp3(folder / "long.mp3", 4.0, hz=330.0),
        "garbage": garbage,
        "missing": folder / "missing.mp3",
    }


@pytest.fixture
def null_player():
    player = MiniaudioPlayer(backends=[miniaudio.Backend.NULL])
    yield player
    player.close()


@pytest.fixture
def no_miniaudio(monkeypatch):
    """A Python where `import miniaudio` fails, as on a machine without the package."""
    monkeypatch.setitem(sys.modules, "miniaudio", None)


def wait_until(condition, timeout: float) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.02)
    return time.monotonic() - start


# --- MiniaudioPlayer on the null device ------------------------------------------------------


@needs_miniaudio
def test_miniaudio_position_follows_the_clock(null_player, mp3s):
    assert null_player.load(mp3s["long"]) == pytest.approx(4.0, abs=0.05)
    assert null_player.position() == 0.0 and not null_player.paused
    start = time.monotonic()
    null_player.play()
    time.sleep(0.8)
    elapsed = time.monotonic() - start
    # Served frames run ahead of the sound by the device's buffer (a few 100 ms periods).
    assert elapsed - 0.3 <= null_player.position() <= elapsed + 0.5
    assert not null_player.finished()


@needs_miniaudio
def test_miniaudio_pause_resume_and_seek(null_player, mp3s):
    null_player.load(mp3s["long"])
    null_player.play()
    time.sleep(0.3)
    null_player.pause()
    assert null_player.paused
    held = null_player.position()
    time.sleep(0.3)
    assert null_player.position() == held
    null_player.seek(2.5)  # seeking while paused stays paused
    assert null_player.position() == pytest.approx(2.5) and null_player.paused
    null_player.toggle_pause()
    assert not null_player.paused
    time.sleep(0.4)
    assert 2.6 < null_player.position() < 3.4
    null_player.seek(-3)
    assert 0.0 <= null_player.position() < 0.3
    null_player.seek(99)
    assert null_player.position() == pytest.approx(null_player.duration)
    assert null_player.finished()
    null_player.stop()
    assert null_player.position() == 0.0 and not null_player.finished()


@needs_miniaudio
def test_miniaudio_reaches_the_end_and_plays_again(null_player, mp3s):
    duration = null_player.load(mp3s["short"])
    assert duration == pytest.approx(1.5, abs=0.05)
    null_player.play()
    took = wait_until(null_player.finished, timeout=5.0)
    assert duration - 0.5 <= took
    assert null_player.position() == pytest.approx(duration)
    null_player.play()  # at the end, play starts over
    assert not null_player.finished() and null_player.position() < 0.5


@needs_miniaudio
def test_miniaudio_volume_is_clamped_and_loading_resets(null_player, mp3s):
    assert null_player.volume == 1.0
    null_player.set_volume(1.7)
    assert null_player.volume == 1.0
    null_player.set_volume(-0.2)
    assert null_player.volume == 0.0
    null_player.set_volume(0.45)
    assert null_player.volume == pytest.approx(0.45)
    null_player.load(mp3s["long"])
    null_player.play()
    time.sleep(0.3)
    assert null_player.position() > 0.1  # quiet, not stuck
    assert null_player.load(mp3s["short"]) == pytest.approx(1.5, abs=0.05)
    assert null_player.position() == 0.0 and not null_player.finished()
    time.sleep(0.2)
    assert null_player.position() == 0.0  # loaded, not playing until play()
    assert null_player.volume == pytest.approx(0.45)


@pytest.mark.parametrize(
    "player_class, which",
    [
        pytest.param(MiniaudioPlayer, "missing", marks=needs_miniaudio),
        pytest.param(MiniaudioPlayer, "garbage", marks=needs_miniaudio),
        (SilentPlayer, "missing"),
        pytest.param(SilentPlayer, "garbage", marks=needs_miniaudio),  # the clock alone can't tell
    ],
)
def test_unplayable_files_name_the_file(player_class, which, mp3s):
    if player_class is MiniaudioPlayer:
        player = MiniaudioPlayer([miniaudio.Backend.NULL])
    else:
        player = SilentPlayer()
    try:
        with pytest.raises(PlaybackError, match=mp3s[which].name):
            player.load(mp3s[which], duration=10.0)
        with pytest.raises(PlaybackError, match="no song is loaded"):
            player.play()
    finally:
        player.close()


# --- SilentPlayer ----------------------------------------------------------------------------


@needs_miniaudio
def test_silent_player_keeps_time(mp3s):
    player = SilentPlayer()
    assert player.name == "silent clock"
    assert player.load(mp3s["short"], duration=99.0) == pytest.approx(
        1.5, abs=0.05
    )  # the file wins
    player.play()
    time.sleep(0.3)
    assert 0.25 <= player.position() <= 0.45
    player.pause()
    held = player.position()
    time.sleep(0.1)
    assert player.position() == held and player.paused
    player.seek(1.3)
    assert player.position() == pytest.approx(1.3) and player.paused
    player.resume()
    took = wait_until(player.finished, timeout=2.0)
    assert 0.15 <= took <= 0.5
    assert player.position() == pytest.approx(player.duration)
    player.seek(-1)
    assert player.position() < 0.1 and not player.finished()
    player.set_volume(3)
    assert player.volume == 1.0
    player.stop()
    assert player.position() == 0.0 and not player.paused


def test_silent_player_without_miniaudio_trusts_the_sidecar(no_miniaudio, mp3s):
    player = SilentPlayer()
    assert player.load(mp3s["short"], duration=2.25) == 2.25
    with pytest.raises(PlaybackError, match="short.mp3"):
        player.load(mp3s["short"])
    with pytest.raises(PlaybackError, match="missing.mp3"):
        player.load(mp3s["missing"], duration=2.0)


# --- open_player -----------------------------------------------------------------------------


@needs_miniaudio
def test_open_player_on_the_null_device(monkeypatch, mp3s, capsys):
    monkeypatch.setenv(temporary.AUDIO_BACKEND_ENV, "null")
    player, notice = open_player()
    try:
        assert notice is None
        assert isinstance(player, MiniaudioPlayer) and player.backend == "Null"
        player.load(mp3s["short"])
        player.play()
        time.sleep(0.3)
        assert player.position() > 0.1
    finally:
        player.close()
    assert capsys.readouterr() == ("", "")


def test_open_player_never_raises(monkeypatch, capsys):
    """The default device here may be a sound card or nothing: either way a player comes back."""
    monkeypatch.delenv(temporary.AUDIO_BACKEND_ENV, raising=False)
    player, notice = open_player()
    player.close()
    assert isinstance(player, Player)
    if isinstance(player, SilentPlayer):
        assert notice.startswith("No audio output could be opened (")
        assert notice.endswith("playing on a silent clock")
    else:
        assert notice is None
    assert capsys.readouterr() == ("", "")


def test_open_player_without_miniaudio(no_miniaudio):
    player, notice = open_player(prefer_null=True)
    assert isinstance(player, SilentPlayer)
    assert "miniaudio is not installed" in notice


# --- Jukebox ---------------------------------------------------------------------------------


def song(number: int) -> Song:
    return Song(
        id=f"2026010{number}-song-{number}",
        title=f"Song {number}",
        artist="Llm-Music-Gen",
        duration_seconds=60.0 + number,
        created=f"2026-01-0{number}T00:00:00",
    )


SONGS = [song(number) for number in range(1, 7)]


def titles(songs: list[Song] | None) -> list[str]:
    return [item.title[5:] for item in songs or []]


def test_empty_jukebox():
    jukebox = Jukebox([])
    assert jukebox.current is None and len(jukebox) == 0
    assert jukebox.next() is None and jukebox.previous() is None
    assert jukebox.after_finish() is None and jukebox.upcoming() == []
    assert jukebox.toggle_shuffle() and jukebox.current is None
    jukebox.add(song(1))
    assert jukebox.current == song(1)


def test_next_and_previous_wrap():
    jukebox = Jukebox(SONGS)
    assert jukebox.current.id == SONGS[0].id
    visited = [jukebox.next().title[5:] for _ in range(6)]
    assert visited == ["2", "3", "4", "5", "6", "1"]
    assert jukebox.previous().title == "Song 6"  # before the first comes the last
    assert jukebox.previous(position=3.5).title == "Song 6"  # well into it: restart
    assert jukebox.previous(position=temporary.RESTART_THRESHOLD_S).title == "Song 5"


def test_repeat_modes():
    jukebox = Jukebox(SONGS)
    assert jukebox.repeat == "off"
    assert [jukebox.cycle_repeat() for _ in range(3)] == ["one", "all", "off"]
    jukebox.select(SONGS[4].id)
    assert jukebox.after_finish().title == "Song 6"
    assert jukebox.after_finish() is None  # the end, no repeat
    assert jukebox.current.title == "Song 6"
    jukebox.set_repeat("one")
    assert jukebox.after_finish().title == "Song 6"
    assert titles(jukebox.upcoming()) == []
    jukebox.set_repeat("all")
    assert jukebox.after_finish().title == "Song 1"
    with pytest.raises(ValueError):
        jukebox.set_repeat("twice")


def test_upcoming_follows_repeat_and_length():
    jukebox = Jukebox(SONGS)
    assert titles(jukebox.upcoming()) == ["2", "3", "4", "5", "6"]
    assert titles(jukebox.upcoming(2)) == ["2", "3"]
    jukebox.select(SONGS[3].id)
    assert titles(jukebox.upcoming()) == ["5", "6"]
    jukebox.set_repeat("all")
    assert titles(jukebox.upcoming()) == ["5", "6", "1", "2", "3"]
    assert titles(jukebox.upcoming(10)) == ["5", "6", "1", "2", "3"]  # each song once


def test_shuffle_keeps_the_current_song_and_is_repeatable():
    jukebox = Jukebox(SONGS, seed=7)
    jukebox.select(SONGS[2].id)
    assert jukebox.toggle_shuffle() is True
    assert jukebox.current.title == "Song 3"
    order = titles(jukebox.play_order)
    assert order[0] == "3" and sorted(order) == ["1", "2", "3", "4", "5", "6"]
    assert titles(jukebox.upcoming()) == order[1:6]
    twin = Jukebox(SONGS, seed=7)
    twin.select(SONGS[2].id)
    twin.toggle_shuffle()
    assert titles(twin.play_order) == order
    other = Jukebox(SONGS, seed=8)
    other.select(SONGS[2].id)
    other.toggle_shuffle()
    assert titles(other.play_order) != order
    assert titles([jukebox.next() for _ in range(5)]) == order[1:]
    assert jukebox.toggle_shuffle() is False
    assert titles(jukebox.play_order) == ["1", "2", "3", "4", "5", "6"]
    assert jukebox.current.title == f"Song {order[5]}"


def test_added_songs_come_up_and_removed_songs_go():
    jukebox = Jukebox(SONGS[:3])
    jukebox.select(SONGS[1].id)
    jukebox.add(SONGS[3])
    jukebox.add(SONGS[3])  # the same song twice is one song
    assert titles(jukebox.upcoming()) == ["3", "4"]
    jukebox.toggle_shuffle()
    jukebox.add(SONGS[4])
    assert "5" in titles(jukebox.upcoming())
    assert len(jukebox) == 5 and jukebox.current.title == "Song 2"

    assert jukebox.remove("no-such-song") is None
    assert jukebox.remove(SONGS[4].id).title == "Song 5"
    assert "5" not in titles(jukebox.upcoming())
    following = jukebox.upcoming(1)[0]
    jukebox.remove(SONGS[1].id)  # the current song: the next one takes its place
    assert jukebox.current == following
    jukebox.toggle_shuffle()
    jukebox.select(SONGS[3].id)  # last in library order
    jukebox.remove(SONGS[3].id)
    assert jukebox.current.title == "Song 3"
    for item in jukebox.songs:
        jukebox.remove(item.id)
    assert jukebox.current is None and jukebox.upcoming() == []


def test_resume_state_round_trip(tmp_path):
    path = tmp_path / "data" / temporary.JUKEBOX_STATE_NAME
    jukebox = Jukebox(SONGS, seed=1)
    jukebox.select(SONGS[3].id)
    jukebox.toggle_shuffle()
    jukebox.cycle_repeat()
    jukebox.cycle_repeat()
    assert jukebox.save_state(path, position=42.5, volume=0.35)
    assert json.loads(path.read_text())["song_id"] == SONGS[3].id

    restored = Jukebox(SONGS, seed=2)
    state = restored.load_state(path)
    assert state == ResumeState(SONGS[3].id, 42.5, True, "all", 0.35)
    assert restored.current.title == "Song 4" and restored.shuffle and restored.repeat == "all"
    assert titles(restored.play_order)[0] == "4"

    fewer = Jukebox(SONGS[:3])  # the song was deleted since
    assert fewer.load_state(path) == ResumeState(None, 0.0, True, "all", 0.35)
    assert fewer.current.title == "Song 1"


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2]",
        '{"song_id": 3, "position": 1, "shuffle": false, "repeat": "off", "volume": 1}',
        '{"song_id": "a", "position": -1, "shuffle": false, "repeat": "off", "volume": 1}',
        '{"song_id": "a", "position": 1, "shuffle": "yes", "repeat": "off", "volume": 1}',
        '{"song_id": "a", "position": 1, "shuffle": false, "repeat": "often", "volume": 1}',
        '{"song_id": "a", "position": 1, "shuffle": false, "repeat": "off"}',
        '{"song_id": "a", "position": NaN, "shuffle": false, "repeat": "off", "volume": 1}',
    ],
)
def test_bad_resume_state_is_ignored(tmp_path, content):
    path = tmp_path / temporary.JUKEBOX_STATE_NAME
    path.write_text(content)
    jukebox = Jukebox(SONGS)
    assert jukebox.load_state(path) is None
    assert jukebox.load_state(tmp_path / "missing.json") is None
    assert jukebox.current.title == "Song 1" and not jukebox.shuffle


def test_unwritable_resume_state_is_reported(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert Jukebox(SONGS).save_state(blocker / "jukebox.json") is False
