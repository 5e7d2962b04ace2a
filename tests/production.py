"""How a saved song is produced, measured as a producer would from the files a listener gets: the
MP3 as a player decodes it (ffmpeg) and the MIDI file. Loudness and true peak come from ffmpeg's
own EBU R 128 meter (the `ebur128` filter), not from the app's meter, so the app's mastering is
checked by a meter it did not write.

Used by the production tests and bench/mix.py.
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import symusic

BANDS = {"sub": (20, 60), "low": (60, 250), "low_mid": (250, 500), "mid": (500, 2000),
         "high_mid": (2000, 6000), "high": (6000, 20000)}  # fmt: skip
FRAME_S = 0.05  # level envelope frames
ENDING_FLOOR_DB = -60.0  # the ending has rung out when the level is this far under the loudest
CUT_DB = -40.0  # a song whose last frame is louder than this (under the loudest) ends cut
DEAD_DB = -50.0  # quieter than this under the loudest is dead air
RUN_LENGTH = 8  # equal notes in a row that make an unbroken stream


def ebur128(mp3: Path) -> dict[str, float]:
    """Integrated loudness (LUFS), loudness range (LU) and true peak (dBTP) by ffmpeg."""
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(mp3),
         "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = result.stderr[result.stderr.rfind("Summary:") :]
    found = {
        key: re.search(rf"{label}\s+(-?[\d.]+|-inf)", summary)
        for key, label in (("lufs", "I:"), ("lra", "LRA:"), ("true_peak", "Peak:"))
    }
    return {key: float(match[1]) for key, match in found.items()}


def decode(mp3: Path) -> tuple[np.ndarray, int]:
    """The MP3 as float32 stereo samples (2, n) at its own rate."""
    rate = int(re.search(r"(\d+) Hz", _probe(mp3))[1])
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(mp3), "-f", "f32le",
         "-ac", "2", "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    return np.frombuffer(result.stdout, dtype="<f4").reshape(-1, 2).T, rate


def _probe(mp3: Path) -> str:
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(mp3)],
        capture_output=True, text=True,
    )  # fmt: skip
    return result.stderr


def band_shares(pcm: np.ndarray, rate: int) -> dict[str, float]:
    """Each band's share of the power from 20 Hz to 20 kHz (averaged spectra of 8192 samples)."""
    mono = pcm.mean(axis=0)
    size = 8192
    frames = len(mono) // size
    if not frames:
        return dict.fromkeys(BANDS, 0.0)
    window = np.hanning(size)
    power = np.zeros(size // 2 + 1)
    for start in range(0, frames * size, size):
        power += np.abs(np.fft.rfft(mono[start : start + size] * window)) ** 2
    freqs = np.fft.rfftfreq(size, 1 / rate)
    total = power[(freqs >= 20) & (freqs < 20000)].sum() or 1.0
    return {
        name: float(power[(freqs >= low) & (freqs < high)].sum() / total)
        for name, (low, high) in BANDS.items()
    }


def levels_db(pcm: np.ndarray, rate: int) -> np.ndarray:
    """RMS of 50 ms frames in dB under the loudest frame."""
    mono = pcm.mean(axis=0)
    size = int(rate * FRAME_S)
    frames = len(mono) // size
    rms = np.sqrt((mono[: frames * size].reshape(frames, size) ** 2).mean(axis=1)) + 1e-12
    return 20 * np.log10(rms / rms.max())


@dataclass
class Ending:
    tail_s: float  # from the last onset until the sound is ENDING_FLOOR_DB under the loudest
    last_frame_db: float  # the level of the file's last 50 ms, under the loudest
    dead_s: float  # the longest near-silence in the 20 s before the last onset

    @property
    def cut(self) -> bool:
        return self.last_frame_db > CUT_DB


def ending(pcm: np.ndarray, rate: int, last_onset_s: float) -> Ending:
    levels = levels_db(pcm, rate)
    first = int(last_onset_s / FRAME_S)
    after = levels[first:]
    loud = np.flatnonzero(after > ENDING_FLOOR_DB)
    tail = (loud[-1] + 1) * FRAME_S if len(loud) else 0.0
    before = levels[max(0, first - int(20 / FRAME_S)) : first] < DEAD_DB
    longest = run = 0
    for quiet in before:
        run = run + 1 if quiet else 0
        longest = max(longest, run)
    return Ending(float(tail), float(levels[-1]), longest * FRAME_S)


def section_loudness(pcm: np.ndarray, rate: int, sidecar: dict) -> list[tuple[str, float]]:
    """(section, integrated loudness) for each section of the song's form of 3 s or more."""
    import pyloudnorm

    meter = pyloudnorm.Meter(rate)
    bar_s = bar_quarters(sidecar["meter"]) * 60.0 / sidecar["tempo"]
    result = []
    bar = 0  # older sidecars give only each section's bars (a pickup may shift them by one)
    for section in sidecar["arrangement"]["form"]:
        bar = section.get("start_bar", bar)
        start = bar * bar_s
        bar += section["bars"]
        piece = pcm[:, int(start * rate) : int((start + section["bars"] * bar_s) * rate)]
        if piece.shape[1] >= 3 * rate:
            result.append((section["section"], meter.integrated_loudness(piece.T.astype(float))))
    return result


def bar_quarters(meter: str) -> float:
    top, bottom = (int(part) for part in meter.split("/"))
    return top * 4 / bottom


# --- the MIDI file ----


def tracks(midi: Path) -> dict[str, list]:
    """Notes by track name (the arranger names its tracks by role), in quarters."""
    score = symusic.Score.from_file(str(midi)).to("quarter")
    found: dict[str, list] = {}
    for track in score.tracks:
        found.setdefault(track.name.strip().lower(), []).extend(track.notes)
    return found


def strong_beats(meter: str) -> list[float]:
    """Positions in the bar (quarters) of its strong beats."""
    top, bottom = (int(part) for part in meter.split("/"))
    bar = top * 4 / bottom
    if bottom == 8 and top % 3 == 0:
        return [beat * 1.5 for beat in range(top // 3) if beat % 2 == 0]
    return [0.0, bar / 2] if top % 2 == 0 else [0.0]


def clash_rate(midi: Path, meter: str, leave_out: tuple[str, ...] = ()) -> float:
    """The share of strong-beat melody notes a minor second or minor ninth from a sounding note
    of the band (bass, chords, pad; less the parts in `leave_out`), when the band does not sound
    the melody's pitch class: a harsh clash. A major seventh (a maj7 chord's seventh over its
    root) is not one."""
    parts = tracks(midi)
    melody = parts.get("melody", [])
    band = [
        n
        for name, notes in parts.items()
        if name not in ("melody", "drums", *leave_out)
        for n in notes
    ]
    bar = bar_quarters(meter)
    beats = strong_beats(meter)
    checked = clashes = 0
    for note in melody:
        position = note.time % bar
        if not any(abs(position - beat) < 0.05 for beat in beats):
            continue
        sounding = [n.pitch for n in band if n.time <= note.time + 0.05 < n.end]
        if not sounding:
            continue
        checked += 1
        if note.pitch % 12 not in {pitch % 12 for pitch in sounding} and any(
            abs(note.pitch - pitch) % 12 == 1 for pitch in sounding
        ):
            clashes += 1
    return clashes / checked if checked else 0.0


def lead_under_held_chords(midi: Path) -> float:
    """The share of the melody's notes that start under a held chord note (a chord part's note
    of a beat or longer, sounding higher): a lead buried in its own accompaniment."""
    score = symusic.Score.from_file(str(midi)).to("second")
    beat = 60 / (score.tempos[0].qpm if len(score.tempos) else 120)
    tracks = {track.name: track.notes for track in score.tracks}
    held = [
        (n.time, n.time + n.duration, n.pitch)
        for name in ("comp", "pad", "counter", "arp")
        for n in tracks.get(name, [])
        if n.duration >= 0.9 * beat
    ]
    sounding = under = 0
    for note in tracks.get("melody", []):
        at = note.time + 0.01
        above = [pitch for start, end, pitch in held if start <= at < end]
        if above:
            sounding += 1
            under += max(above) > note.pitch
    return under / sounding if sounding else 0.0


def chords_on_the_bass(midi: Path) -> float:
    """The share of the chord parts' notes that start at or a tone above the bass note sounding
    then: a guitar strumming in the bass's own octave, two instruments on one string."""
    parts = tracks(midi)
    bass = [(n.time, n.end, n.pitch) for n in parts.get("bass", [])]
    sounding = on = 0
    for name in ("comp", "pad", "counter", "arp"):
        for note in parts.get(name, []):
            under = [pitch for start, end, pitch in bass if start <= note.time < end]
            if under:
                sounding += 1
                on += note.pitch <= max(under) + 2
    return on / sounding if sounding else 0.0


def drum_bars(midi: Path, meter: str) -> tuple[int, int, float]:
    """(distinct one-bar drum patterns, bars with drums, the most common one's share)."""
    bar = bar_quarters(meter)
    bars: dict[int, set] = {}
    for note in tracks(midi).get("drums", []):
        step = round((note.time % bar) * 4)
        bars.setdefault(int(note.time // bar), set()).add((step, note.pitch))
    if not bars:
        return 0, 0, 0.0
    counts = Counter(frozenset(pattern) for pattern in bars.values())
    return len(counts), len(bars), counts.most_common(1)[0][1] / len(bars)


def velocity_spread(midi: Path) -> dict[str, float]:
    """The standard deviation of each part's velocities."""
    return {
        name: statistics.pstdev(n.velocity for n in notes)
        for name, notes in tracks(midi).items()
        if len(notes) > 1
    }


def stream_share(midi: Path) -> float:
    """The share of the lead's notes in unbroken runs of RUN_LENGTH or more equal notes, each
    starting as the last ends: a stream of eighth notes, say."""
    tops: dict[float, object] = {}
    for note in tracks(midi).get("melody", []):
        if note.time not in tops or note.pitch > tops[note.time].pitch:
            tops[note.time] = note
    notes = [tops[time] for time in sorted(tops)]
    if not notes:
        return 0.0
    in_runs, run = 0, 1
    for before, after in zip(notes, notes[1:], strict=False):
        joined = (
            abs(after.time - before.end) < 0.02 and abs(after.duration - before.duration) < 0.02
        )
        run = run + 1 if joined else 1
        if run == RUN_LENGTH:
            in_runs += RUN_LENGTH
        elif run > RUN_LENGTH:
            in_runs += 1
    return in_runs / len(notes)


def offbeat_position(notes: list, unit: float = 0.5) -> float | None:
    """Where the notes between two `unit`s fall, as a share of the pair (0.5: straight; 0.67:
    triplet swing): the median over the notes that are not on a `unit`."""
    positions = [(n.time % (2 * unit)) / (2 * unit) for n in notes]
    off = [p for p in positions if 0.3 < p < 0.85]
    return statistics.median(off) if off else None


def last_onset(midi: Path) -> float:
    """When the last note starts, in seconds."""
    score = symusic.Score.from_file(str(midi)).to("second")
    return max(note.time for track in score.tracks for note in track.notes)


def sidecar(mp3: Path) -> dict:
    return json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))


def band_envelope(pcm: np.ndarray, rate: int, low: float, high: float, frame_s: float = 0.01):
    """The level (dB) of one band of the mix in frames of `frame_s`, by short FFTs."""
    mono = pcm.mean(axis=0)
    size = int(rate * frame_s)
    frames = len(mono) // size
    spectra = np.abs(np.fft.rfft(mono[: frames * size].reshape(frames, size), axis=1)) ** 2
    freqs = np.fft.rfftfreq(size, 1 / rate)
    band = spectra[:, (freqs >= low) & (freqs < high)].sum(axis=1)
    return 10 * np.log10(band + 1e-12)


def pulse_strength(pcm: np.ndarray, rate: int, bpm: float) -> float:
    """How strongly the audio pulses at `bpm` or at its eighths, triplets or sixteenths, against
    its strongest pulse from 50 to 800 bpm: 1.0 when the written tempo is what is heard most. The
    pulses are the periodicities of its onsets (the rises of three bands' levels, 10 ms frames)."""
    onsets = sum(
        np.maximum(np.diff(band_envelope(pcm, rate, low, high)), 0.0)
        for low, high in ((30, 150), (150, 1000), (1000, 8000))
    )
    onsets = onsets - onsets.mean()
    spectrum = np.abs(np.fft.rfft(onsets, 8 * len(onsets))) ** 2
    tempi = np.fft.rfftfreq(8 * len(onsets), 0.01) * 60

    def near(target: float) -> float:  # within 1%: a tempo change or rounding
        return float(spectrum[np.abs(tempi - target) <= target * 0.01].max())

    strongest = float(spectrum[(tempi >= 50) & (tempi <= 800)].max())
    return max(near(bpm * factor) for factor in (1, 2, 3, 4)) / strongest


def beat_starts(midi: Path, pitches: tuple[int, ...]) -> tuple[list[float], float]:
    """The times (seconds) of the kicks (`pitches` on a drum track) that the next kick follows one
    beat later, and the beat's length: the whole beats the kick opens, to fold a level on."""
    score = symusic.Score.from_file(str(midi))
    beat = 60 / score.tempos[0].qpm
    seconds = score.to("second")
    kicks = sorted(
        {
            round(n.time, 4)
            for t in seconds.tracks
            if t.is_drum
            for n in t.notes
            if n.pitch in pitches
        }
    )
    return [a for a, b in itertools.pairwise(kicks) if abs(b - a - beat) < 0.05 * beat], beat


def folded_on_beats(
    series: np.ndarray, frame_s: float, starts: list[float], beat: float, bins: int = 8
) -> np.ndarray:
    """The mean of a frame series (one value a `frame_s` frame, from 0 s) in each of `bins`
    equal parts of the beats that open at `starts`: its shape within the beat."""
    centres = (np.arange(len(series)) + 0.5) * frame_s
    phase = np.full(len(series), -1)
    for start in starts:
        inside = (centres >= start) & (centres < start + beat)
        phase[inside] = ((centres[inside] - start) / beat * bins).astype(int)
    return np.array([series[phase == part].mean() for part in range(bins)])
