"""The player's spectrum meter and gapless playback, on miniaudio's null device (real time, no
sound card) and on the silent clock. The MP3s are made by the app's own encoder."""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from scripts import temporary
from scripts.audio.audio_render import write_mp3
from scripts.player.playback import SilentPlayer, SpectrumMeter
from tests import test_playback
from tests.test_playback import RATE, needs_miniaudio, sine_mp3, wait_until

null_player = test_playback.null_player  # the fixture: a MiniaudioPlayer on the null device
miniaudio = test_playback.miniaudio

BANDS = 24


def alternating_mp3(path: Path, seconds: float, low: float, high: float, every: float) -> Path:
    """A tone that jumps between two pitches every `every` seconds."""
    t = np.arange(int(RATE * seconds)) / RATE
    hz = np.where((t // every) % 2 == 0, low, high)
    tone = 0.5 * np.sin(2 * np.pi * np.cumsum(hz) / RATE)
    write_mp3(np.stack([tone, tone]), RATE, path, {"title": path.stem}, "128k")
    return path


@pytest.fixture(scope="module")
def mp3s(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("songs")
    (folder / "garbage.mp3").write_text("not audio at all\n" * 200)
    return {
        "a": sine_mp3(folder / "a.mp3", 1.0, hz=440.0),
        "b": sine_mp3(folder / "b.mp3", 1.6, hz=660.0),
        "c": sine_mp3(folder / "c.mp3", 2.2, hz=550.0),
        "tone": sine_mp3(folder / "tone.mp3", 4.0, hz=1000.0),
        "two tones": alternating_mp3(folder / "two.mp3", 4.0, 300.0, 3000.0, every=0.4),
        "garbage": folder / "garbage.mp3",
        "missing": folder / "missing.mp3",
    }


def decode(path: Path) -> np.ndarray:
    """The whole song as the player should send it: miniaudio's decoder, in one call."""
    sound = miniaudio.decode_file(
        str(path), miniaudio.SampleFormat.SIGNED16, temporary.PLAYBACK_CHANNELS, RATE
    )
    return np.frombuffer(sound.samples, dtype=np.int16).reshape(-1, temporary.PLAYBACK_CHANNELS)


def band_of(hz: float, bands: int = BANDS) -> int:
    """The band holding `hz`, by the meter's definition: log-spaced edges over its range."""
    edges = np.geomspace(temporary.METER_LOW_HZ, temporary.METER_HIGH_HZ, bands + 1)
    return int(np.searchsorted(edges, hz)) - 1


def play_through(player, seconds: float, step: float = 0.02) -> list[tuple]:
    """Poll (advanced, finished, position, duration) every `step` for `seconds`."""
    seen = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        seen.append((player.advanced(), player.finished(), player.position(), player.duration))
        time.sleep(step)
    return seen


def moves(seen: list[tuple]) -> list[Path]:
    return [advanced for advanced, *_ in seen if advanced is not None]


# --- gapless on the null device --------------------------------------------------------------


@needs_miniaudio
def test_the_feed_runs_from_one_song_into_the_next_sample_for_sample(null_player, mp3s):
    first, second = decode(mp3s["a"]), decode(mp3s["b"])
    null_player.load(mp3s["a"])
    null_player.queue_next(mp3s["b"])
    wait_until(lambda: null_player._next.audio is not None, timeout=10.0)
    null_player.play()
    null_player._stop_device()  # from here the test is the device: it alone pulls the feed
    tail = 3000
    null_player.seek((len(first) - tail) / RATE)
    wait_until(lambda: not null_player.seeking, timeout=5.0)
    feed = null_player._feed()
    next(feed)
    sent = feed.send(4410) + feed.send(4410)
    # The tail of A then the head of B, byte for byte: no silence was put between them.
    assert sent == np.concatenate((first[-tail:], second[: 2 * 4410 - tail])).tobytes()
    assert null_player.advanced() == mp3s["b"] and null_player.advanced() is None
    assert null_player.position() == pytest.approx((2 * 4410 - tail) / RATE)
    assert null_player.duration == pytest.approx(len(second) / RATE)
    assert null_player.next_queued() is None and not null_player.finished()


@needs_miniaudio
def test_a_queued_song_follows_in_real_time(null_player, mp3s):
    first = null_player.load(mp3s["a"])
    null_player.queue_next(mp3s["b"])
    assert null_player.next_queued() == mp3s["b"]
    null_player.play()
    seen = play_through(null_player, first + 0.6)
    assert moves(seen) == [mp3s["b"]]
    assert not any(finished for _, finished, *_ in seen)
    switch = next(i for i, (advanced, *_) in enumerate(seen) if advanced is not None)
    _, _, position, duration = seen[switch]
    assert position < 0.5 and duration == pytest.approx(1.6, abs=0.1)
    assert null_player.next_queued() is None and null_player.queue_error() is None
    # Nothing queued after B: it ends as a song always did.
    took = wait_until(null_player.finished, timeout=5.0)
    assert took > 0.3
    assert null_player.position() == pytest.approx(null_player.duration)
    assert null_player.advanced() is None


@needs_miniaudio
def test_only_the_latest_choice_is_played(null_player, mp3s):
    null_player.load(mp3s["a"])
    null_player.queue_next(mp3s["b"])
    null_player.queue_next(mp3s["c"])  # B's decode, begun or not, must not come back
    null_player.play()
    seen = play_through(null_player, 1.6)
    assert moves(seen) == [mp3s["c"]]
    assert null_player.duration == pytest.approx(2.2, abs=0.1)

    null_player.queue_next(mp3s["b"])
    length = null_player.load(mp3s["a"])  # a new song drops what was queued before it
    assert null_player.next_queued() is None
    null_player.play()
    wait_until(null_player.finished, timeout=5.0)
    assert null_player.advanced() is None and null_player.duration == pytest.approx(length)

    null_player.queue_next(mp3s["b"])
    null_player.cancel_next()
    null_player.play()
    wait_until(null_player.finished, timeout=5.0)
    assert null_player.advanced() is None and null_player.duration == pytest.approx(length)


@needs_miniaudio
@pytest.mark.parametrize(
    "which, why", [("garbage", "not a readable audio file"), ("missing", "does not exist")]
)
def test_a_queued_song_that_cannot_play_ends_the_song(null_player, mp3s, which, why):
    null_player.load(mp3s["a"])
    null_player.queue_next(mp3s[which])
    null_player.play()
    seen = play_through(null_player, 0.5)
    assert not any(finished for _, finished, *_ in seen)
    wait_until(null_player.finished, timeout=5.0)
    error = null_player.queue_error()
    assert error.startswith(f"cannot play {which}.mp3: ") and why in error
    assert "\n" not in error and null_player.next_queued() == mp3s[which]
    assert null_player.advanced() is None
    null_player.stop()
    assert null_player.queue_error() is None and null_player.next_queued() is None


# --- the meter -------------------------------------------------------------------------------


def test_the_meter_reads_a_sine_at_its_level():
    """A sine on an rfft bin, -6 dBFS: its band reads (-6 - floor) / -floor, the rest nothing."""
    meter = SpectrumMeter()
    assert meter.levels(BANDS) == [0.0] * BANDS
    hz = 46 * RATE / temporary.METER_FRAMES  # 990.5 Hz
    t = np.arange(4410) / RATE
    tone = (0.5 * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)
    meter.record(np.stack([tone, tone], axis=1))
    levels = meter.levels(BANDS)
    assert len(levels) == BANDS
    floor = temporary.METER_FLOOR_DB
    expected = (20 * np.log10(0.5) - floor) / -floor
    assert levels[band_of(hz)] == pytest.approx(expected, abs=0.01)
    far = [level for band, level in enumerate(levels) if abs(band - band_of(hz)) > 3]
    assert max(far) == 0.0
    assert meter.levels(8)[band_of(hz, 8)] == pytest.approx(expected, abs=0.01)
    with pytest.raises(ValueError, match="at least one band"):
        meter.levels(0)
    meter.clear()
    assert meter.levels(BANDS) == [0.0] * BANDS


@needs_miniaudio
def test_the_meter_follows_a_tone_and_stops_when_paused(null_player, mp3s):
    assert null_player.levels(BANDS) == [0.0] * BANDS  # nothing sent yet
    null_player.load(mp3s["tone"])
    null_player.play()
    wait_until(lambda: max(null_player.levels(BANDS)) > 0, timeout=2.0)
    levels = null_player.levels(BANDS)
    assert levels[band_of(1000)] > 0.8
    assert all(levels[band] < 0.1 for band in range(band_of(250)))
    assert all(levels[band] < 0.1 for band in range(band_of(4000), BANDS))
    null_player.set_volume(0.1)  # the meter reads what is sent, after the volume: 20 dB less
    wait_until(lambda: null_player.levels(BANDS)[band_of(1000)] < levels[band_of(1000)] - 0.2, 2)
    null_player.pause()
    wait_until(lambda: null_player.levels(BANDS) == [0.0] * BANDS, timeout=1.0)
    time.sleep(0.3)
    assert null_player.levels(BANDS) == [0.0] * BANDS  # stays still while paused
    null_player.resume()
    wait_until(lambda: max(null_player.levels(BANDS)) > 0, timeout=2.0)
    null_player.stop()
    assert null_player.levels(BANDS) == [0.0] * BANDS


@needs_miniaudio
def test_the_meter_moves_with_the_music(null_player, mp3s):
    null_player.load(mp3s["two tones"])
    null_player.play()
    low, high = band_of(300), band_of(3000)
    readings = poll_levels(null_player, 2.0)
    assert any(levels[low] > 0.7 and levels[high] < 0.3 for levels in readings)
    assert any(levels[high] > 0.7 and levels[low] < 0.3 for levels in readings)


def poll_levels(player, seconds: float) -> list[list[float]]:
    readings = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        readings.append(player.levels(BANDS))
        time.sleep(0.04)
    return readings


def test_the_silent_clock_has_no_meter():
    assert SilentPlayer().levels(BANDS) is None


# --- gapless on the silent clock -------------------------------------------------------------


@needs_miniaudio
def test_the_clock_carries_over_into_the_queued_song(mp3s):
    player = SilentPlayer()
    first = player.load(mp3s["a"])
    player.queue_next(mp3s["b"], duration=99.0)  # the file's length wins
    assert player.next_queued() == mp3s["b"]
    player.play()
    time.sleep(first + 0.25)  # not read meanwhile: the overshoot is the new song's position
    assert 0.2 <= player.position() <= 0.6
    assert player.duration == pytest.approx(1.6, abs=0.1)
    assert player.advanced() == mp3s["b"] and player.advanced() is None
    assert not player.finished() and player.next_queued() is None
    wait_until(player.finished, timeout=3.0)
    assert player.position() == pytest.approx(player.duration)


@needs_miniaudio
def test_the_clock_polled_through_a_switch(mp3s):
    player = SilentPlayer()
    first = player.load(mp3s["a"])
    player.queue_next(mp3s["missing"])
    assert "missing.mp3" in player.queue_error()
    player.queue_next(mp3s["c"])  # replaces the bad choice
    assert player.queue_error() is None
    player.play()
    seen = play_through(player, first + 0.3)
    assert moves(seen) == [mp3s["c"]]
    assert not any(finished for _, finished, *_ in seen)
    player.queue_next(mp3s["garbage"])
    player.seek(player.duration)
    assert player.finished()
    assert "not a readable audio file" in player.queue_error()
    assert player.advanced() is None
    player.queue_next(mp3s["b"])
    player.stop()
    assert player.next_queued() is None


def test_the_clock_without_miniaudio_trusts_the_queued_sidecar(monkeypatch, mp3s):
    monkeypatch.setitem(sys.modules, "miniaudio", None)  # as on a machine without it
    player = SilentPlayer()
    player.load(mp3s["a"], duration=0.3)
    player.queue_next(mp3s["b"])
    assert "miniaudio is not installed" in player.queue_error()
    player.queue_next(mp3s["b"], duration=0.4)
    player.play()
    seen = play_through(player, 0.5)
    assert moves(seen) == [mp3s["b"]] and player.duration == 0.4
    wait_until(player.finished, timeout=2.0)


@needs_miniaudio
def test_the_player_holds_an_open_decoder_not_the_song(null_player, mp3s, tmp_path):
    """A minute of song decoded is 10 MB: opening one to play and another to follow allocates a
    small part of that; both play whole, byte for byte, across the switch, and a seek lands on
    the very frame it asks for."""
    long = sine_mp3(tmp_path / "long.mp3", 60.0, hz=330.0)
    first, whole = decode(mp3s["a"]), decode(long)
    tracemalloc.start()
    try:
        null_player.load(mp3s["a"])
        null_player.queue_next(long)
        wait_until(lambda: null_player._next.audio is not None, timeout=10.0)
        held = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert held < whole.nbytes / 20, f"{held} bytes allocated for a {whole.nbytes}-byte song"
    null_player.play()
    null_player._stop_device()  # from here the test is the device: it alone pulls the feed
    null_player.seek((len(first) - 1000) / RATE)
    wait_until(lambda: not null_player.seeking, timeout=5.0)
    feed = null_player._feed()
    next(feed)
    sent = [feed.send(4410)]
    assert null_player.advanced() == long
    assert null_player.duration == pytest.approx(len(whole) / RATE, abs=0.05)
    while len(sent) * 4410 < 1000 + len(whole):
        sent.append(feed.send(4410))
    sent = b"".join(sent)
    expected = np.concatenate((first[-1000:], whole)).tobytes()
    assert sent[: len(expected)] == expected and not sent[len(expected) :].strip(b"\0")
    assert null_player.finished()
    for second in range(1, 31):  # a seek key held down: each returns at once, the last wins
        null_player.seek(second)
    assert null_player.position() == 30.0
    wait_until(lambda: not null_player.seeking, timeout=5.0)
    assert feed.send(4410) == whole[30 * RATE : 30 * RATE + 4410].tobytes()
    assert null_player.position() == pytest.approx(30.0 + 4410 / RATE)


def open_files() -> set[Path]:
    return {Path(os.readlink(fd)) for fd in Path("/proc/self/fd").iterdir() if fd.is_symlink()}


@needs_miniaudio
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc/self/fd")
def test_the_player_lets_go_of_files_it_will_not_play(null_player, mp3s):
    """A song deleted from the jukebox must not be held open (Windows refuses to delete an open
    file): the stopped song and a queued song that was dropped have closed their files."""
    null_player.load(mp3s["a"])
    null_player.queue_next(mp3s["b"])
    wait_until(lambda: null_player._next.audio is not None, timeout=10.0)
    assert {mp3s["a"], mp3s["b"]} <= open_files()
    null_player.cancel_next()
    null_player.stop()
    assert not {mp3s["a"], mp3s["b"]} & open_files()
    null_player.play()  # a stopped song opens again from its start
    assert mp3s["a"] in open_files() and null_player.position() < 0.5


@needs_miniaudio
def test_a_seek_into_a_song_whose_file_went_away_ends_the_song(null_player, mp3s, tmp_path):
    """The file is opened again at the new place: gone, the song ends there, the player is not
    left waiting on the seek."""
    gone = tmp_path / "gone.mp3"
    gone.write_bytes(mp3s["tone"].read_bytes())
    null_player.load(gone)
    null_player.play()
    gone.unlink()
    null_player.seek(2.0)
    wait_until(lambda: not null_player.seeking, timeout=5.0)
    assert null_player.finished() and null_player.position() == pytest.approx(2.0)
