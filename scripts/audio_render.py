"""ABC → MIDI (abc2midi) → PCM (symusic's SoundFont synthesizer) → MP3 (pydub + ffmpeg)."""

from __future__ import annotations

import errno
import functools
import shutil
import subprocess
import sys
import tempfile
import warnings
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
    """Loading a SoundFont takes longer than rendering a song: keep the last ones. symusic's
    synth, given notes it plays as FluidSynth would (scripts/synth.py)."""
    from scripts.synth import Synth

    return Synth(soundfont, sample_rate)


def midi_to_pcm(midi: bytes, soundfont: Path, sample_rate: int) -> np.ndarray:
    """Stereo float32 samples, shape (2, n)."""
    import symusic

    if not soundfont.is_file():
        raise AudioError(f"SoundFont not found: {soundfont}")
    try:
        score = symusic.Score.from_midi(midi)
        audio = synthesizer(str(soundfont), sample_rate).render(score, stereo=True)
    except (RuntimeError, ValueError) as error:
        raise AudioError(f"the synthesizer failed: {error}") from None
    pcm = np.asarray(audio, dtype=np.float32)
    if pcm.ndim != 2 or pcm.shape[1] == 0:
        raise AudioError("the synthesizer returned no audio")
    return pcm


def pcm_to_int16(pcm: np.ndarray, sample_rate: int) -> bytes:
    """Normalize the peak to temporary.PEAK_DBFS, fade in and out, and interleave as 16-bit
    little-endian. Works in place on `pcm` (the caller's render, used once): a long song at
    44.1 kHz is 10 MB a minute per copy, and pydub's fades would each make another."""
    # The synthesizer can blow up for a moment (a click tens of thousands of times louder than
    # the music, seen with some voices of abcm2ps's examples): clip such a spike so that it does
    # not make the normalized song silent; it can also write NaN there.
    np.nan_to_num(pcm, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    ceiling = float(np.percentile(np.abs(pcm[:, :: temporary.SPIKE_SAMPLE_STEP]), 99.9))
    np.clip(pcm, -ceiling * temporary.SPIKE_RATIO, ceiling * temporary.SPIKE_RATIO, out=pcm)
    peak = float(np.abs(pcm).max())
    if peak < 1e-6:
        raise AudioError("the rendered audio is silent")
    pcm *= 10 ** (temporary.PEAK_DBFS / 20) / peak * 32767
    length = pcm.shape[1]
    fade_in = min(length, sample_rate * temporary.FADE_IN_MS // 1000)
    fade_out = min(length // 4, sample_rate * temporary.FADE_OUT_MS // 1000)
    pcm[:, :fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)
    if fade_out:
        pcm[:, -fade_out:] *= np.linspace(1.0, 0.0, fade_out, dtype=np.float32)
    return pcm.T.astype("<i2").tobytes()


def audio_segment_class():
    """pydub, pointed at the ffmpeg inside imageio-ffmpeg (pydub only looks on PATH)."""
    import imageio_ffmpeg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "Couldn't find ffmpeg": set below
        from pydub import AudioSegment
    AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
    return AudioSegment


def write_mp3(
    pcm: np.ndarray, sample_rate: int, target: Path, tags: dict[str, str], bitrate: str
) -> float:
    """Normalize, fade in and out, encode to MP3 with ID3 tags. Returns the length in seconds."""
    segment = audio_segment_class()(
        data=pcm_to_int16(pcm, sample_rate), sample_width=2, frame_rate=sample_rate, channels=2
    )
    from pydub.exceptions import CouldntEncodeError

    try:
        segment.export(
            str(target),
            format="mp3",
            bitrate=bitrate,
            tags=tags,
            id3v2_version=temporary.ID3_VERSION,
            parameters=["-compression_level", str(temporary.LAME_QUALITY)],
        ).close()
    except CouldntEncodeError as error:  # its message is ffmpeg's whole log
        if "No space left" in str(error):
            raise OSError(errno.ENOSPC, "No space left on device", str(target)) from None
        raise AudioError(f"ffmpeg could not encode the MP3: {str(error).splitlines()[0]}") from None
    return len(segment) / 1000.0


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
