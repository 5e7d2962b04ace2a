"""Arranged Scores built with symusic's API, as the arranger hands them to render_mix, and the
measures the mixdown tests read from the audio. bench/render.py uses them too."""

from __future__ import annotations

import numpy as np
import symusic

TPQ = 480

# (start beat, length in beats, MIDI pitch, velocity)
Notes = list[tuple[float, float, int, int]]


def score(tracks: list[tuple[str, int, bool, Notes]], bpm: float = 120.0) -> symusic.Score:
    """A tick Score: one track per (role name, GM program, is_drum, notes)."""
    result = symusic.Score(TPQ)
    result.tempos.append(symusic.Tempo(0, bpm))
    for name, program, is_drum, notes in tracks:
        track = symusic.Track(name, program, is_drum)
        for start, length, pitch, velocity in notes:
            track.notes.append(
                symusic.Note(round(start * TPQ), round(length * TPQ), pitch, velocity)
            )
        result.tracks.append(track)
    return result


def kicks(beats: int) -> Notes:
    return [(beat, 0.25, 36, 110) for beat in range(beats)]


def held_chord(beats: int, pitches=(57, 60, 64)) -> Notes:
    return [(0.0, float(beats), pitch, 90) for pitch in pitches]


def song(seconds: float, bpm: float = 124.0) -> symusic.Score:
    """A dense arranged song: TR-808 drums (kick every beat, claps, 8th hats), an octave bass,
    offbeat chord stabs, a held pad and an 8th-note saw melody, over a four-chord loop."""
    bars = int(seconds * bpm / 240)
    rng = np.random.default_rng(1)
    drums, bass, comp, pad, melody = [], [], [], [], []
    for bar in range(bars):
        at = bar * 4.0
        root = (45, 41, 48, 43)[bar % 4]
        drums += [(at + beat, 0.25, 36, 110) for beat in range(4)]
        drums += [(at + beat, 0.25, 39, 100) for beat in (1, 3)]
        drums += [(at + step / 2, 0.125, 42, 70) for step in range(8)]
        bass += [(at + step / 2, 0.45, root - 12 + 12 * (step % 2), 100) for step in range(8)]
        comp += [
            (at + beat + 0.5, 0.3, root + 12 + third, 80)
            for beat in range(4)
            for third in (0, 4, 7)
        ]
        pad += [(at, 4.0, root + interval, 70) for interval in (0, 3, 7, 12)]
        melody += [
            (at + step / 2, 0.5, int(root + 24 + rng.integers(0, 12)), 90) for step in range(8)
        ]
    return score(
        [
            ("drums", 25, True, drums),
            ("bass", 38, False, bass),
            ("comp", 4, False, comp),
            ("pad", 89, False, pad),
            ("melody", 81, False, melody),
        ],
        bpm,
    )


# A realistic effect set for `song`: house-like pumping, a wobbling bass, delays and reverbs.
SONG_EFFECTS = {
    "tracks": {
        "pad": [
            {"type": "sidechain", "depth_db": 10, "release_beats": 0.45},
            {"type": "chorus", "mix": 0.3},
            {"type": "reverb", "room_size": 0.8, "wet_level": 0.35},
        ],
        "bass": [
            {
                "type": "ladder",
                "resonance": 0.5,
                "lfo": {"rate_beats": 0.5, "low_hz": 150, "high_hz": 2500},
            },
            {"type": "saturation", "drive_db": 6},
            {"type": "sidechain", "depth_db": 6, "release_beats": 0.35},
        ],
        "comp": [
            {"type": "highpass", "cutoff_hz": 200},
            {"type": "delay", "beats": 0.75, "feedback": 0.3, "mix": 0.2},
        ],
        "melody": [
            {"type": "delay", "beats": 0.75, "feedback": 0.25, "mix": 0.15},
            {"type": "reverb", "room_size": 0.5, "wet_level": 0.2},
            {"type": "pan", "position": -0.2},
        ],
        "drums": [{"type": "compressor", "threshold_db": -12, "ratio": 3}],
    },
    "master": [
        {"type": "compressor", "threshold_db": -10, "ratio": 2.5},
        {"type": "limiter", "threshold_db": -2, "ceiling_db": -1},
    ],
}


def rms_frames(audio: np.ndarray, frame: int) -> np.ndarray:
    """RMS of the mono sum in consecutive frames of `frame` samples."""
    mono = audio.mean(axis=0)
    count = len(mono) // frame
    return np.sqrt((mono[: count * frame].reshape(count, frame) ** 2).mean(axis=1))


def centroid_frames(audio: np.ndarray, frame: int, hop: int, sample_rate: int) -> np.ndarray:
    """Spectral centroid (Hz) of the mono sum in frames of `frame` samples every `hop`."""
    mono = audio.mean(axis=0)
    starts = np.arange(0, len(mono) - frame, hop)
    frames = mono[starts[:, None] + np.arange(frame)] * np.hanning(frame)
    spectrum = np.abs(np.fft.rfft(frames, axis=1))
    freqs = np.fft.rfftfreq(frame, 1 / sample_rate)
    return (spectrum * freqs).sum(axis=1) / np.maximum(spectrum.sum(axis=1), 1e-12)


def strongest_rate(series: np.ndarray, frames_per_s: float) -> float:
    """The frequency (Hz) of the strongest periodic component of `series`, above 0.5 Hz."""
    values = series - series.mean()
    padded = len(values) * 8  # finer frequency bins
    spectrum = np.abs(np.fft.rfft(values * np.hanning(len(values)), padded))
    freqs = np.fft.rfftfreq(padded, 1 / frames_per_s)
    spectrum[freqs < 0.5] = 0
    return float(freqs[spectrum.argmax()])


def modulation_at(series: np.ndarray, frames_per_s: float, rate: float) -> float:
    """How strongly `series` rises and falls at `rate` Hz: its spectrum's peak within 5% of it,
    over the series' length."""
    values = series - series.mean()
    padded = len(values) * 8
    spectrum = np.abs(np.fft.rfft(values * np.hanning(len(values)), padded))
    freqs = np.fft.rfftfreq(padded, 1 / frames_per_s)
    near = np.abs(freqs - rate) <= rate * 0.05
    return float(spectrum[near].max() / len(values))


def spectrogram_png(audio: np.ndarray, sample_rate: int, title: str, target) -> None:
    """A spectrogram (0-5 kHz, 60 dB range) of the mono sum, its RMS above it, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    mono = audio.mean(axis=0)
    figure, (top, bottom) = pyplot.subplots(
        2, 1, figsize=(10, 6), sharex=True, height_ratios=[1, 3]
    )
    frame = sample_rate // 100
    rms = rms_frames(audio, frame)
    top.plot(np.arange(len(rms)) / 100, 20 * np.log10(np.maximum(rms, 1e-6)))
    top.set_ylabel("RMS dB")
    top.set_title(title)
    power = bottom.specgram(mono, NFFT=2048, Fs=sample_rate, noverlap=1792, cmap="magma")[0]
    top_db = 10 * np.log10(power.max())
    bottom.images[0].set_clim(top_db - 60, top_db)  # 60 dB of range: a 10 dB dip shows
    bottom.set_ylim(0, 5000)
    bottom.set_ylabel("Hz")
    bottom.set_xlabel("seconds")
    figure.tight_layout()
    figure.savefig(target, dpi=80)
    pyplot.close(figure)


def pitch_of(audio: np.ndarray, sample_rate: int) -> float:
    """The fundamental (as a fractional MIDI key) of a steady tone, by harmonic product
    spectrum (the spectrum times itself squeezed 2x and 3x peaks at the fundamental), the peak
    placed between bins by a parabola through its neighbours."""
    mono = audio.mean(axis=0)
    size = 16 * len(mono)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono)), size))
    freqs = np.fft.rfftfreq(size, 1 / sample_rate)
    product = np.log(spectrum + 1e-12)
    for factor in (2, 3):
        squeezed = np.log(spectrum[::factor] + 1e-12)
        product[: len(squeezed)] += squeezed
        product[len(squeezed) :] = -np.inf
    band = np.flatnonzero((freqs > 50) & (freqs < 2000))
    peak = band[np.argmax(product[band])]
    left, centre, right = product[peak - 1 : peak + 2]
    shift = 0.5 * (left - right) / (left - 2 * centre + right)
    return float(69 + 12 * np.log2((peak + shift) * freqs[1] / 440))
