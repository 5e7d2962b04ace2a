"""ABC → MIDI (abc2midi) → PCM (symusic's SoundFont synthesizer) → MP3 (ffmpeg)."""

from __future__ import annotations

import errno
import functools
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from scripts import temporary


class AudioError(RuntimeError):
    """A render stage failed; the message names the stage's tool and why."""


def abc2midi_path() -> Path:
    """symusic's wheel carries abc2midi for every platform; a system one is the fallback."""
    import symusic

    bundled = (
        Path(symusic.__file__).parent
        / "bin"
        / ("abc2midi.exe" if sys.platform == "win32" else "abc2midi")
    )
    if bundled.exists():
        return bundled
    found = shutil.which("abc2midi")
    if not found:
        raise AudioError("abc2midi not found (it ships with symusic: reinstall the requirements)")
    return Path(found)


def abc_to_midi(abc_text: str) -> tuple[bytes, list[str]]:
    """Run abc2midi on the tune. Returns the MIDI bytes and abc2midi's warnings. Its console
    output is captured here so it never reaches the terminal or a curses screen."""
    with tempfile.TemporaryDirectory(prefix="lmg-abc-") as folder:
        source, target = Path(folder) / "tune.abc", Path(folder) / "tune.mid"
        source.write_text(abc_text, encoding="utf-8")
        try:
            result = subprocess.run(
                [str(abc2midi_path()), str(source), "-o", str(target)],
                capture_output=True,
                text=True,
                errors="replace",
                timeout=temporary.ABC2MIDI_TIMEOUT_S,
                cwd=folder,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as error:
            raise AudioError(f"abc2midi took over {error.timeout:.0f} s") from None
        messages = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        if not target.exists() or target.stat().st_size == 0:
            errors = [m for m in messages if "rror" in m] or messages or ["no output"]
            raise AudioError(f"abc2midi wrote no MIDI: {errors[0]}")
        return target.read_bytes(), [m for m in messages if "arning" in m or "rror" in m]


def default_soundfont() -> Path:
    """pretty_midi's wheel carries TimGM6mb.sf2 (GPL-2), a small General MIDI SoundFont."""
    import pretty_midi

    return Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"


@functools.lru_cache(maxsize=2)
def synthesizer(soundfont: str, sample_rate: int):
    """Reading the copy's zones (note_limits) takes a moment: keep the last ones. symusic's
    synth, given notes it plays as FluidSynth would (scripts/audio/synth.py)."""
    from scripts.audio.synth import Synth

    return Synth(soundfont, sample_rate)


def pcm_to_int16(pcm: np.ndarray, gain_db: float = 0.0) -> bytes:
    """The master (full scale 1.0), times `gain_db`, as interleaved 16-bit little-endian."""
    scaled = pcm.T * np.float32(10 ** (gain_db / 20) * 32767)
    np.clip(scaled, -32768, 32767, out=scaled)
    return scaled.astype("<i2").tobytes()


def decoded_true_peak(path: Path) -> float:
    """The MP3's true peak (dBTP) as a player decodes it (ffmpeg, streamed in pieces)."""
    from scripts.audio import loudness

    command = [ffmpeg_path(), "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "2", "-"]
    peak = loudness.SILENT
    overlap = np.zeros((2, 0), dtype=np.float32)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL) as decoder:
        while data := decoder.stdout.read(temporary.DECODE_PIECE_BYTES):
            frames = np.frombuffer(data[: len(data) // 8 * 8], dtype="<f4").reshape(-1, 2).T
            piece = np.concatenate([overlap, frames], axis=1)
            peak = max(peak, loudness.true_peak(piece))
            overlap = piece[:, -temporary.DECODE_OVERLAP :]
    if decoder.returncode:
        raise AudioError("ffmpeg could not decode the MP3 it wrote")
    return peak


def ffmpeg_path() -> str:
    """imageio-ffmpeg's wheel carries an ffmpeg with libmp3lame for every platform."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def write_mp3(
    pcm: np.ndarray, sample_rate: int, target: Path, tags: dict[str, str], bitrate: str
) -> float:
    """Encode the master to MP3 with ID3 tags; if the decoded MP3 peaks over the true-peak
    ceiling (the encoder's overshoot), encode it again that much quieter. Returns the length in
    seconds."""
    gain = 0.0
    for _ in range(temporary.ENCODE_ATTEMPTS):
        _encode(pcm, gain, sample_rate, target, tags, bitrate)
        ceiling = temporary.TRUE_PEAK_CEILING_DBTP - temporary.TRUE_PEAK_METER_MARGIN_DB
        over = decoded_true_peak(target) - ceiling
        if over <= 0:
            break
        gain -= over + temporary.LIMITER_MARGIN_DB
    return pcm.shape[1] / sample_rate


def _encode(
    pcm: np.ndarray, gain_db: float, sample_rate: int, target: Path, tags: dict, bitrate: str
) -> None:
    """ffmpeg reads the master as 16-bit PCM from a pipe, a piece at a time (no whole copy of
    the song in another format, no temporary file), and writes the MP3 at `target`."""
    metadata = [arg for key, value in tags.items() for arg in ("-metadata", f"{key}={value}")]
    command = [
        ffmpeg_path(), "-v", "error", "-y",
        "-f", "s16le", "-ar", str(sample_rate), "-ac", "2", "-i", "-",
        "-c:a", "libmp3lame", "-b:a", bitrate,
        "-compression_level", str(temporary.LAME_QUALITY),
        *metadata, "-id3v2_version", temporary.ID3_VERSION,
        "-f", "mp3", str(target),
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=log) as encoder:
            try:
                for start in range(0, pcm.shape[1], temporary.ENCODE_PIECE):
                    piece = pcm[:, start : start + temporary.ENCODE_PIECE]
                    encoder.stdin.write(pcm_to_int16(piece, gain_db))
                encoder.stdin.close()
            except BrokenPipeError:  # ffmpeg stopped early: its log says why
                pass
        log.seek(0)
        message = log.read().decode(errors="replace").strip()
    if encoder.returncode:
        if "No space left" in message:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        first = message.splitlines()[0] if message else f"exit status {encoder.returncode}"
        first = re.sub(r"^\[[^]]*\]\s*", "", first)  # "[out#0/mp3 @ 0x55...] "
        raise AudioError(f"ffmpeg could not encode the MP3: {first}")


def add_lyrics_tag(path: Path, text: str) -> None:
    """An ID3 USLT (unsynchronised lyrics) frame in the MP3 at `path`. ffmpeg's "lyrics" metadata
    key writes a TXXX frame named USLT that players do not read as lyrics, so mutagen adds the
    real frame to the tag ffmpeg wrote."""
    from mutagen import MutagenError
    from mutagen.id3 import ID3, USLT, Encoding

    try:
        tag = ID3(str(path))
        # UTF-16: ID3v2.3, which the app writes, has no UTF-8 encoding.
        tag.add(
            USLT(encoding=Encoding.UTF16, lang=temporary.ID3_LYRICS_LANGUAGE, desc="", text=text)
        )
        tag.save(str(path), v2_version=int(temporary.ID3_VERSION))
    except MutagenError as error:
        raise AudioError(f"could not add the lyrics to the MP3's tag: {error}") from None


def midi_length(midi: bytes) -> tuple[float, int]:
    """(seconds until the last note ends, number of notes), as the synthesizer will read it."""
    import symusic

    try:
        score = symusic.Score.from_midi(midi).to("second")
    except (RuntimeError, ValueError) as error:
        raise AudioError(f"the MIDI cannot be read: {error}") from None
    notes = sum(len(track.notes) for track in score.tracks)
    return (float(score.end()) if notes else 0.0), notes
