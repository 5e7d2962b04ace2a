"""Song playback behind one small interface: miniaudio when an audio device opens, else a clock.

No curses here and nothing is printed: the caller shows `open_player`'s notice. miniaudio is an
optional package, imported only when a player needs it.
"""

from __future__ import annotations

import math
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Generator
from pathlib import Path

import numpy as np

from scripts import temporary

SILENT_NOTICE = "No audio output could be opened ({reason}): playing on a silent clock"


class PlaybackError(RuntimeError):
    """A song cannot be played; the message names the file and says why."""


def clamp(value: float, low: float, high: float) -> float:
    if math.isnan(value):
        return low
    return max(low, min(high, value))


class Player(ABC):
    """Plays one song at a time. Positions and durations are in seconds."""

    name = "player"

    def __init__(self) -> None:
        self._volume = 1.0

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
        """True once a played song has reached its end (until stop, seek back or load)."""

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


def decode(path: Path) -> np.ndarray:
    """The whole file as 16-bit stereo frames at the playback rate, shape (frames, 2)."""
    import miniaudio

    path = require_file(path)
    try:
        decoded = miniaudio.decode_file(
            str(path),
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=temporary.PLAYBACK_CHANNELS,
            sample_rate=temporary.PLAYBACK_SAMPLE_RATE,
        )
    except (miniaudio.MiniaudioError, OSError) as error:
        raise undecodable(path, error) from None
    frames = np.frombuffer(decoded.samples, dtype=np.int16)
    if not len(frames):
        raise PlaybackError(f"cannot play {path.name}: it holds no audio")
    return frames.reshape(-1, temporary.PLAYBACK_CHANNELS)


class MiniaudioPlayer(Player):
    """Decodes the whole song into memory and feeds the device from the current position.

    The device's thread pulls audio through a generator that reads the play state (position,
    paused, volume) under a lock, so seek, pause and volume are plain state changes.
    """

    name = "miniaudio"

    def __init__(self, backends: list | None = None) -> None:
        super().__init__()
        import miniaudio

        self._lock = threading.Lock()
        self._samples = np.zeros((0, temporary.PLAYBACK_CHANNELS), dtype=np.int16)
        self._frame = 0  # the next frame to hand to the device
        self._playing = False  # a song is playing or paused (not stopped)
        self._paused = False
        self._device_running = False
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
        frame_bytes = 2 * temporary.PLAYBACK_CHANNELS
        frames = yield b""
        while True:
            try:
                chunk = self._take(frames)
            except Exception:
                # An exception would escape into cffi's callback, which prints it to stderr
                # under the curses screen and drops the generator: play silence instead.
                chunk = b""
            frames = yield chunk + bytes(frames * frame_bytes - len(chunk))

    def _take(self, frames: int) -> bytes:
        """The next `frames` frames of the song at the current volume (fewer at the end)."""
        with self._lock:
            if not self._playing or self._paused:
                return b""
            chunk = self._samples[self._frame : self._frame + frames]
            self._frame += len(chunk)
            volume = self._volume
        if volume < 1.0:
            chunk = (chunk * volume).astype(np.int16)
        return chunk.tobytes()

    # --- the caller's side ------------------------------------------------------------------

    def load(self, path: Path, duration: float | None = None) -> float:
        """Decode `path` (the decoded length wins over `duration`, which only the clock needs)."""
        samples = decode(Path(path))  # outside the lock: the device keeps playing meanwhile
        with self._lock:
            self._samples = samples
            self._frame = 0
            self._playing = False
            self._paused = False
        return self.duration

    def play(self) -> None:
        with self._lock:
            if not len(self._samples):
                raise PlaybackError("nothing to play: no song is loaded")
            if self._frame >= len(self._samples):
                self._frame = 0
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
        with self._lock:
            self._playing = False
            self._paused = False
            self._frame = 0
        self._stop_device()

    def _stop_device(self) -> None:
        # Never under self._lock: stopping waits for the device's callback, which takes it.
        if self._device_running:
            self._device_running = False
            try:
                self._device.stop()
            except Exception:
                pass  # a device that is gone is stopped enough

    def seek(self, seconds: float) -> None:
        with self._lock:
            frame = round(float(seconds) * temporary.PLAYBACK_SAMPLE_RATE)
            self._frame = int(clamp(frame, 0, len(self._samples)))

    def position(self) -> float:
        with self._lock:
            return self._frame / temporary.PLAYBACK_SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self._samples) / temporary.PLAYBACK_SAMPLE_RATE

    @property
    def paused(self) -> bool:
        return self._paused

    def finished(self) -> bool:
        with self._lock:
            return self._playing and 0 < len(self._samples) <= self._frame

    def set_volume(self, volume: float) -> None:
        with self._lock:
            super().set_volume(volume)

    def close(self) -> None:
        self.stop()
        self._device.close()
        self._samples = self._samples[:0]


class SilentPlayer(Player):
    """The same controls on a monotonic clock, for machines where no audio device opens."""

    name = "silent clock"

    def __init__(self) -> None:
        super().__init__()
        self._duration = 0.0
        self._offset = 0.0  # the position when the clock last started or stopped
        self._since: float | None = None  # monotonic time the clock started; None = not running
        self._playing = False

    def load(self, path: Path, duration: float | None = None) -> float:
        """Read the length with miniaudio when it imports, else trust `duration` (the sidecar's)."""
        path = require_file(Path(path))
        length = file_duration(path)
        if length is None:
            if duration is None or not math.isfinite(duration) or duration <= 0:
                raise PlaybackError(
                    f"cannot tell how long {path.name} is: miniaudio is not installed "
                    "and the song's length is not known"
                )
            length = float(duration)
        self._duration = length
        self._offset = 0.0
        self._since = None
        self._playing = False
        return length

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
        self._playing = False
        self._since = None
        self._offset = 0.0

    def seek(self, seconds: float) -> None:
        self._offset = clamp(float(seconds), 0.0, self._duration)
        if self._since is not None:
            self._since = time.monotonic()

    def position(self) -> float:
        if self._since is None:
            return self._offset
        return min(self._duration, self._offset + time.monotonic() - self._since)

    @property
    def duration(self) -> float:
        return self._duration

    @property
    def paused(self) -> bool:
        return self._playing and self._since is None

    def finished(self) -> bool:
        return self._playing and self._duration > 0 and self.position() >= self._duration


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
