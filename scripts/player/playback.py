"""Song playback behind one small interface: miniaudio when an audio device opens, else a clock.

No curses here and nothing is printed: the caller shows `open_player`'s notice. miniaudio is an
optional package, imported only when a player needs it.

Gapless: `queue_next` readies the following song while one plays; at the end the player moves
into it by itself and `advanced()` says so once. The caller's methods are meant for one thread
(the UI's); the device's thread and the opening of the next song share state with it under a
lock.
"""

from __future__ import annotations

import math
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scripts import temporary

SILENT_NOTICE = "No audio output could be opened ({reason}): playing on a silent clock"
FRAME_BYTES = 2 * temporary.PLAYBACK_CHANNELS  # 16-bit samples


def no_frames() -> np.ndarray:
    """What the player sends when it has nothing: zero frames of its format."""
    return np.zeros((0, temporary.PLAYBACK_CHANNELS), dtype=np.int16)


class PlaybackError(RuntimeError):
    """A song cannot be played; the message names the file and says why."""


def clamp(value: float, low: float, high: float) -> float:
    if math.isnan(value):
        return low
    return max(low, min(high, value))


@dataclass
class NextSong:
    """The song queued to follow: `audio` is None until it is ready (and stays None on error)."""

    path: Path
    audio: Any = None  # MiniaudioPlayer: its opened Stream; SilentPlayer: the length in seconds
    error: str | None = None


class Player(ABC):
    """Plays one song at a time. Positions and durations are in seconds."""

    name = "player"

    def __init__(self) -> None:
        self._volume = 1.0
        self._lock = threading.Lock()  # guards _next and _advanced (and MiniaudioPlayer's state)
        self._next: NextSong | None = None
        self._advanced: Path | None = None  # moved into by itself, not yet told to the caller

    @abstractmethod
    def load(self, path: Path, duration: float | None = None) -> float:
        """Make `path` the song (stopped, at 0 s) and return its length in seconds."""

    @abstractmethod
    def play(self) -> None:
        """Play from the current position (from the start when at the end)."""

    @abstractmethod
    def pause(self) -> None: ...

    @abstractmethod
    def resume(self) -> None: ...

    @abstractmethod
    def stop(self) -> None:
        """Stop and rewind to 0 s."""

    @abstractmethod
    def seek(self, seconds: float) -> None:
        """Move to `seconds`, clamped to [0, duration]; playing or paused stays so."""

    @abstractmethod
    def position(self) -> float: ...

    @property
    @abstractmethod
    def duration(self) -> float: ...

    @property
    @abstractmethod
    def paused(self) -> bool: ...

    @abstractmethod
    def finished(self) -> bool:
        """True once a played song has reached its end with nothing (playable) queued after it,
        until stop, seek back or load."""

    @abstractmethod
    def queue_next(self, path: Path, duration: float | None = None) -> None:
        """Ready `path` to follow the current song without a gap, replacing what was queued.

        Never raises for a bad file: `queue_error()` says why, and the song then just ends.
        `duration` (the sidecar's) is used only where the length cannot be read from the file.
        """

    def next_queued(self) -> Path | None:
        """The song queued to follow (being readied, ready, or failed: see queue_error)."""
        with self._lock:
            return self._next.path if self._next else None

    def queue_error(self) -> str | None:
        """Why the queued song cannot be played, e.g. 'cannot play x.mp3: ...'; else None."""
        with self._lock:
            return self._next.error if self._next else None

    def cancel_next(self) -> None:
        with self._lock:
            job, self._next = self._next, None
        self._let_go(job)

    def advanced(self) -> Path | None:
        """The queued song the player moved into by itself since the last call (then None)."""
        with self._lock:
            path, self._advanced = self._advanced, None
            return path

    # Read these two under self._lock where another thread shares the state (MiniaudioPlayer).
    def _next_ready(self) -> bool:
        return self._next is not None and self._next.audio is not None

    def _next_pending(self) -> bool:
        """Ready or being readied: the player will move into it, so the song is not finished."""
        return self._next is not None and self._next.error is None

    def _forget_next(self) -> None:
        """Drop the queued song and any unreported move: a new choice makes both stale."""
        with self._lock:
            job, self._next, self._advanced = self._next, None, None
        self._let_go(job)

    def _let_go(self, job: NextSong | None) -> None:
        """A queued song nobody will play lets go of what it holds (MiniaudioPlayer's Stream)."""
        if job is not None and hasattr(job.audio, "close"):
            job.audio.close()

    def levels(self, bands: int) -> list[float] | None:
        """The sound being sent in `bands` log-spaced bands, each 0.0-1.0; None: no samples."""
        return None

    def close(self) -> None:
        """Stop and let go of the audio device; the player cannot be used afterwards."""
        self.stop()

    def toggle_pause(self) -> None:
        if self.paused:
            self.resume()
        else:
            self.pause()

    @property
    def volume(self) -> float:
        return self._volume

    def set_volume(self, volume: float) -> None:
        self._volume = clamp(float(volume), 0.0, 1.0)


def require_file(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise PlaybackError(f"cannot play {path.name}: the file does not exist ({path})")
    return path


def undecodable(path: Path, error: Exception) -> PlaybackError:
    detail = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
    return PlaybackError(f"cannot play {path.name}: not a readable audio file ({detail})")


def unplayable(path: Path, error: Exception) -> str:
    """Why a queued song cannot be played, in one line, whatever went wrong."""
    if isinstance(error, PlaybackError):
        return str(error)
    return f"cannot play {path.name}: {describe(error)}"


class Stream:
    """One song decoded a block at a time as it plays, from its file: the player holds an open
    decoder, never the decoded song (three minutes of 16-bit stereo are 32 MB). Opening one at
    a frame seeks there (an MP3 decoder reads up to it: under 0.2 s for three minutes)."""

    def __init__(self, path: Path, frames: int, start: int = 0, opened: bool = True) -> None:
        import miniaudio

        self.path, self.frames, self.frame = path, frames, start
        self._chunks = None
        if opened:
            try:
                self._chunks = miniaudio.stream_file(
                    str(path),
                    output_format=miniaudio.SampleFormat.SIGNED16,
                    nchannels=temporary.PLAYBACK_CHANNELS,
                    sample_rate=temporary.PLAYBACK_SAMPLE_RATE,
                    frames_to_read=temporary.STREAM_BLOCK_FRAMES,
                    seek_frame=start,
                )
            except (miniaudio.MiniaudioError, OSError) as error:
                raise undecodable(path, error) from None

    @classmethod
    def open(cls, path: Path) -> Stream:
        """The song at `path` from its start; its length is read from the file's header."""
        path = require_file(path)
        return cls(path, round(file_duration(path) * temporary.PLAYBACK_SAMPLE_RATE))

    def at(self, frame: int) -> Stream:
        """The same song opened at `frame` (clamped to it; at its end, ended)."""
        frame = int(clamp(frame, 0, self.frames))
        return Stream(self.path, self.frames, frame, opened=frame < self.frames)

    @property
    def ended(self) -> bool:
        """Read to its end, or closed."""
        return self._chunks is None

    def read(self, count: int) -> np.ndarray:
        """Up to `count` frames from the position on, which moves past them; fewer only at the
        end, where the decoded length becomes the song's length."""
        pieces, wanted = [], count
        while wanted > 0 and self._chunks is not None:
            try:
                chunk = self._chunks.send(min(wanted, temporary.STREAM_BLOCK_FRAMES))
                block = np.frombuffer(chunk, dtype=np.int16).reshape(
                    -1, temporary.PLAYBACK_CHANNELS
                )
            except Exception:  # the end (StopIteration) or a damaged frame: the song ends here
                block = None
            if block is None or not len(block):
                self.close()
                self.frames = self.frame + count - wanted
                break
            pieces.append(block)
            wanted -= len(block)
        if not pieces:
            return no_frames()
        self.frame += count - wanted
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def close(self) -> None:
        """Let go of the decoder and its file (Windows cannot delete a file held open)."""
        if self._chunks is not None:
            self._chunks.close()
            self._chunks = None


class SpectrumMeter:
    """The spectrum of the last METER_FRAMES frames handed to the device, in log-spaced bands.

    The device's thread calls record() once a callback; the UI's thread calls levels(). record
    never writes into the array levels may be reading: it builds a new one and swaps the
    reference (one atomic store under the GIL), so neither side takes a lock or waits.
    """

    def __init__(self) -> None:
        size = temporary.METER_FRAMES
        self._silence = np.zeros((size, temporary.PLAYBACK_CHANNELS), dtype=np.int16)
        self._recent = self._silence
        self._window = np.hanning(size)
        # A sine's rfft peak is amplitude * sum(window) / 2: full scale (32768) reads 1.0.
        self._scale = 2.0 / (32768.0 * self._window.sum())
        self._bands: tuple[int, np.ndarray, int] = (0, np.zeros(0, dtype=np.intp), 0)

    def record(self, block: np.ndarray) -> None:
        self._recent = np.concatenate((self._recent, block))[-len(self._silence) :]

    def clear(self) -> None:
        self._recent = self._silence

    def levels(self, bands: int) -> list[float]:
        if bands < 1:
            raise ValueError(f"a meter needs at least one band, not {bands}")
        recent = self._recent  # read once: a whole block even if the device swaps it meanwhile
        mono = recent.mean(axis=1) * self._window
        magnitude = np.abs(np.fft.rfft(mono)) * self._scale
        starts, end = self._band_bins(bands)
        # Each band's loudest bin; a band narrower than a bin reads the bin at its lower edge.
        peaks = np.maximum.reduceat(magnitude[:end], starts)
        decibels = 20.0 * np.log10(np.maximum(peaks, 1e-12))
        floor = temporary.METER_FLOOR_DB
        return np.clip((decibels - floor) / -floor, 0.0, 1.0).tolist()

    def _band_bins(self, bands: int) -> tuple[np.ndarray, int]:
        """The first rfft bin of each band and the bin past the last (kept for the last count)."""
        if self._bands[0] != bands:
            edges = np.geomspace(temporary.METER_LOW_HZ, temporary.METER_HIGH_HZ, bands + 1)
            bin_hz = temporary.PLAYBACK_SAMPLE_RATE / len(self._silence)
            count = len(self._silence) // 2 + 1
            end = min(count, int(np.ceil(edges[-1] / bin_hz)))
            starts = np.minimum(np.ceil(edges[:-1] / bin_hz).astype(np.intp), end - 1)
            self._bands = (bands, starts, end)
        return self._bands[1], self._bands[2]


class MiniaudioPlayer(Player):
    """Plays a Stream of the song and feeds the device from it.

    The device's thread pulls audio through a generator that reads the play state (the song's
    stream, paused, volume, the queued song) under a lock, so pause and volume are plain state
    changes, a seek swaps in a stream opened at the new place, and the switch into a queued
    song happens inside one callback: no gap. The queued song is opened ahead on a thread of
    its own; one made stale by a newer choice is let go when it is ready.
    """

    name = "miniaudio"

    def __init__(self, backends: list | None = None) -> None:
        super().__init__()
        import miniaudio

        self._song: Stream | None = None
        self._seek_to: int | None = None  # the frame a seek asked for, until it is in place
        self._seeking = False  # the seeking thread runs
        self._playing = False  # a song is playing or paused (not stopped)
        self._paused = False
        self._device_running = False
        self._meter = SpectrumMeter()
        self._device = miniaudio.PlaybackDevice(
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=temporary.PLAYBACK_CHANNELS,
            sample_rate=temporary.PLAYBACK_SAMPLE_RATE,
            buffersize_msec=temporary.PLAYBACK_PERIOD_MS,
            backends=backends,
            app_name=temporary.APP_NAME,
        )
        self.backend: str = self._device.backend  # "PulseAudio", "WASAPI", "Null", ...

    # --- the device's side ------------------------------------------------------------------

    def _feed(self) -> Generator[bytes, int, None]:
        frames = yield b""
        while True:
            try:
                block = self._take(frames)
                if len(block) < frames:  # paused, stopped or at the end: silence after it
                    silence = np.zeros((frames - len(block), block.shape[1]), dtype=np.int16)
                    block = np.concatenate((block, silence))
                self._meter.record(block)
                sent = block.tobytes()
            except Exception:
                # An exception would escape into cffi's callback, which prints it to stderr
                # under the curses screen and drops the generator: play silence instead.
                sent = bytes(frames * FRAME_BYTES)
            frames = yield sent

    def _take(self, frames: int) -> np.ndarray:
        """The next `frames` frames at the current volume: fewer at the end of the last song,
        none when paused or stopped. At a song's end a ready queued song carries on."""
        with self._lock:
            if not self._playing or self._paused or self._song is None or self._seek_to is not None:
                return no_frames()
            pieces = [self._song.read(frames)]
            if len(pieces[0]) < frames and self._next_ready():
                self._song, self._advanced = self._next.audio, self._next.path
                self._next = None
                pieces.append(self._song.read(frames - len(pieces[0])))
            volume = self._volume
        chunk = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
        if volume < 1.0:
            chunk = (chunk * volume).astype(np.int16)
        return chunk

    # --- the queued song ----------------------------------------------------------------------

    def queue_next(self, path: Path, duration: float | None = None) -> None:
        """Open `path` on a thread of its own; the device keeps playing meanwhile."""
        job = NextSong(Path(path))
        with self._lock:
            old, self._next = self._next, job
        self._let_go(old)
        threading.Thread(
            target=self._open_next, args=(job,), name="open next song", daemon=True
        ).start()

    def _open_next(self, job: NextSong) -> None:
        # The job object is its own generation tag: load, stop, cancel_next and a newer
        # queue_next replace self._next, and the device only ever reads self._next, so a stale
        # stream lands in a job nobody holds and is let go with this thread.
        try:
            stream, error = Stream.open(job.path), None
        except Exception as failure:  # out of this thread it would print under curses
            stream, error = None, unplayable(job.path, failure)
        with self._lock:
            if self._next is job:
                job.audio, job.error = stream, error
                return
        if stream is not None:
            stream.close()

    # --- the caller's side ------------------------------------------------------------------

    def load(self, path: Path, duration: float | None = None) -> float:
        """Open `path` (its length comes from the file; `duration` only the clock needs)."""
        song = Stream.open(Path(path))  # outside the lock: the device keeps playing meanwhile
        self._forget_next()
        with self._lock:
            old, self._song, self._seek_to = self._song, song, None
            self._playing = False
            self._paused = False
        if old is not None:
            old.close()
        return self.duration

    def _seek_in_place(self) -> None:
        """On the seeking thread: open the song again at the frame last asked for (an MP3 is
        read up to it, up to 0.2 s) and swap it in; again while newer seeks came meanwhile.
        A key held down asks many times: only the latest frame is opened each round."""
        while True:
            with self._lock:
                song, frame = self._song, self._seek_to
                if song is None or frame is None:
                    self._seeking = False
                    return
            try:
                fresh = song.at(frame)
            except Exception:  # the file went away or broke since it was opened: it ends here
                fresh = Stream(song.path, song.frames, frame, opened=False)
            with self._lock:
                if self._song is song:  # the same song still: not loaded over or stopped
                    self._song, fresh = fresh, song
                    if self._seek_to == frame:
                        self._seek_to = None
            fresh.close()  # the one not playing

    def play(self) -> None:
        with self._lock:
            if self._song is None:
                raise PlaybackError("nothing to play: no song is loaded")
            at_end = self._song.ended and self._seek_to is None
        if at_end:  # played to the end, or stopped: from the start
            self.seek(0)
        with self._lock:
            self._playing = True
            self._paused = False
        if not self._device_running:
            feed = self._feed()
            next(feed)  # miniaudio wants a started generator
            try:
                self._device.start(feed)
            except Exception as error:
                raise PlaybackError(f"the audio device did not start: {error}") from None
            self._device_running = True

    def pause(self) -> None:
        with self._lock:
            self._paused = self._playing

    def resume(self) -> None:
        with self._lock:
            self._paused = False

    def stop(self) -> None:
        """Stop, rewind, and let go of the file (it may be deleted next)."""
        self._forget_next()
        with self._lock:
            self._playing = False
            self._paused = False
            self._seek_to = None
            song = self._song
            if song is not None:
                self._song = Stream(song.path, song.frames, 0, opened=False)
        self._stop_device()
        if song is not None:
            song.close()
        self._meter.clear()  # after the device stopped: nothing records over it

    def _stop_device(self) -> None:
        # Never under self._lock: stopping waits for the device's callback, which takes it.
        if self._device_running:
            self._device_running = False
            try:
                self._device.stop()
            except Exception:
                pass  # a device that is gone is stopped enough

    def seek(self, seconds: float) -> None:
        """Returns at once: the song is opened at the new place on a thread of its own, the
        position reads the new place meanwhile and the device sends silence."""
        frame = round(float(seconds) * temporary.PLAYBACK_SAMPLE_RATE)
        with self._lock:
            if self._song is None:
                return
            self._seek_to = int(clamp(frame, 0, self._song.frames))
            if self._seeking:
                return
            self._seeking = True
        threading.Thread(target=self._seek_in_place, name="seek", daemon=True).start()

    @property
    def seeking(self) -> bool:
        """A seek is not in place yet."""
        with self._lock:
            return self._seek_to is not None

    def position(self) -> float:
        with self._lock:
            if self._song is None:
                return 0.0
            frame = self._song.frame if self._seek_to is None else self._seek_to
            return min(frame, self._song.frames) / temporary.PLAYBACK_SAMPLE_RATE

    @property
    def duration(self) -> float:
        song = self._song
        return song.frames / temporary.PLAYBACK_SAMPLE_RATE if song else 0.0

    @property
    def paused(self) -> bool:
        return self._paused

    def finished(self) -> bool:
        with self._lock:
            song, wanted = self._song, self._seek_to
            at_end = song is not None and (song.ended if wanted is None else wanted >= song.frames)
            return self._playing and at_end and not self._next_pending()

    def levels(self, bands: int) -> list[float]:
        """What the device was last sent (after volume); zeros once paused or stopped, as the
        device is then sent silence or nothing. One rfft of METER_FRAMES frames a call."""
        return self._meter.levels(bands)

    def set_volume(self, volume: float) -> None:
        with self._lock:
            super().set_volume(volume)

    def close(self) -> None:
        self.stop()
        self._device.close()
        self._song = None


class SilentPlayer(Player):
    """The same controls on a monotonic clock, for machines where no audio device opens.

    Gapless on the clock: whenever the clock is read past the song's end and a song is queued,
    it carries on into that song, the overshoot counting as its position.
    """

    name = "silent clock"

    def __init__(self) -> None:
        super().__init__()
        self._duration = 0.0
        self._offset = 0.0  # the position when the clock last started or stopped
        self._since: float | None = None  # monotonic time the clock started; None = not running
        self._playing = False

    def load(self, path: Path, duration: float | None = None) -> float:
        """Read the length with miniaudio when it imports, else trust `duration` (the sidecar's)."""
        length = song_length(Path(path), duration)
        self._forget_next()
        self._duration = length
        self._offset = 0.0
        self._since = None
        self._playing = False
        return length

    def queue_next(self, path: Path, duration: float | None = None) -> None:
        """Read the next song's length now (it is only a header or the sidecar's figure)."""
        job = NextSong(Path(path))
        try:
            job.audio = song_length(job.path, duration)
        except PlaybackError as error:
            job.error = str(error)
        with self._lock:
            self._next = job

    def _carry_over(self) -> None:
        """Past the end with a song queued: move into it, the time beyond the end its position."""
        if self._since is None or not self._next_ready():
            return
        now = time.monotonic()
        overshoot = self._offset + now - self._since - self._duration
        if overshoot >= 0:
            with self._lock:
                self._advanced, self._duration = self._next.path, self._next.audio
                self._next = None
            self._offset, self._since = overshoot, now

    def play(self) -> None:
        if self._duration <= 0:
            raise PlaybackError("nothing to play: no song is loaded")
        if self.position() >= self._duration:
            self._offset = 0.0
        self._playing = True
        self._since = time.monotonic()

    def pause(self) -> None:
        if self._since is not None:
            self._offset = self.position()
            self._since = None

    def resume(self) -> None:
        if self._playing and self._since is None:
            self._since = time.monotonic()

    def stop(self) -> None:
        self._forget_next()
        self._playing = False
        self._since = None
        self._offset = 0.0

    def seek(self, seconds: float) -> None:
        self._carry_over()
        self._offset = clamp(float(seconds), 0.0, self._duration)
        if self._since is not None:
            self._since = time.monotonic()

    def position(self) -> float:
        self._carry_over()
        if self._since is None:
            return self._offset
        return min(self._duration, self._offset + time.monotonic() - self._since)

    @property
    def duration(self) -> float:
        self._carry_over()
        return self._duration

    @property
    def paused(self) -> bool:
        return self._playing and self._since is None

    def finished(self) -> bool:
        at_end = self._playing and self._duration > 0 and self.position() >= self._duration
        return at_end and not self._next_pending()

    def advanced(self) -> Path | None:
        self._carry_over()
        return super().advanced()


def song_length(path: Path, duration: float | None) -> float:
    """The file's length from miniaudio, else `duration` (the sidecar's) when it is usable."""
    path = require_file(path)
    length = file_duration(path)
    if length is not None:
        return length
    if duration is None or not math.isfinite(duration) or duration <= 0:
        raise PlaybackError(
            f"cannot tell how long {path.name} is: miniaudio is not installed "
            "and the song's length is not known"
        )
    return float(duration)


def file_duration(path: Path) -> float | None:
    """The file's length from miniaudio; None when miniaudio cannot be imported."""
    try:
        import miniaudio
    except ImportError:
        return None
    try:
        info = miniaudio.get_file_info(str(path))
    except (miniaudio.MiniaudioError, OSError) as error:
        raise undecodable(path, error) from None
    if info.duration <= 0:
        raise PlaybackError(f"cannot play {path.name}: it holds no audio")
    return float(info.duration)


def wants_null_device() -> bool:
    return os.environ.get(temporary.AUDIO_BACKEND_ENV, "").strip().lower() == "null"


def open_player(prefer_null: bool = False) -> tuple[Player, str | None]:
    """miniaudio on the default device (or the null one), else the silent clock and why.

    Never raises: playback must not take the app down.
    """
    null = prefer_null or wants_null_device()
    try:
        import miniaudio
    except Exception:  # not installed, or its compiled part does not load
        return SilentPlayer(), SILENT_NOTICE.format(reason="miniaudio is not installed")
    try:
        player = MiniaudioPlayer(backends=[miniaudio.Backend.NULL] if null else None)
    except Exception as error:
        return SilentPlayer(), SILENT_NOTICE.format(reason=describe(error))
    if not null and player.backend.lower() == "null":
        player.close()  # miniaudio settled for its null device: say so instead of playing mute
        return SilentPlayer(), SILENT_NOTICE.format(reason="no sound card was found")
    return player, None


def describe(error: Exception) -> str:
    """'failed to init device, error -401' from MiniaudioError('failed to init device', -401)."""
    args = error.args
    if len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], int):
        return f"{args[0]}, error {args[1]}"
    return str(error) or type(error).__name__
