"""What a rendered song holds, measured from its MIDI file and its audio (never from its style
file): tempo, meter, where the drums fall, swing, bass motion, chords, sections and energy.

Used by the style tests and bench/style.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import symusic

from tests.audio_probe import PROBE_RATE, decode

KICKS = (35, 36)
SNARES = (37, 38, 39, 40)  # rim, snare, clap, electric snare
HATS = (42, 44, 46)
CRASHES = (49, 57)


@dataclass
class Song:
    score: symusic.Score  # in quarters
    audio: np.ndarray | None  # mono at PROBE_RATE
    path: Path  # the MIDI file

    @classmethod
    def read(cls, midi: Path, mp3: Path | None = None) -> Song:
        score = symusic.Score.from_file(str(midi)).to("quarter")
        return cls(score, decode(mp3) if mp3 else None, midi)

    @property
    def tempo(self) -> float:
        return float(self.score.tempos[0].qpm) if len(self.score.tempos) else 120.0

    @property
    def meter(self) -> tuple[int, int]:
        signature = self.score.time_signatures[0]
        return signature.numerator, signature.denominator

    @property
    def bar(self) -> float:
        numerator, denominator = self.meter
        return numerator * 4 / denominator

    @property
    def beats_per_bar(self) -> int:
        """Counted beats: quarters, or dotted quarters in 6/8, 9/8, 12/8."""
        numerator, denominator = self.meter
        return numerator // 3 if denominator == 8 and numerator % 3 == 0 else numerator

    def track(self, name: str):
        return next((t for t in self.score.tracks if t.name == name), None)

    def notes(self, name: str) -> list:
        track = self.track(name)
        return list(track.notes) if track else []

    def drum_hits(self, pitches: tuple[int, ...]) -> list:
        return [n for n in self.notes("drums") if n.pitch in pitches]

    def beat_share(self, pitches: tuple[int, ...]) -> np.ndarray:
        """The share of these drums' hits that fall on each beat of the bar (within a 16th)."""
        beat = self.bar / self.beats_per_bar
        counts = np.zeros(self.beats_per_bar)
        hits = self.drum_hits(pitches)
        for note in hits:
            position = (note.time % self.bar) / beat
            nearest = round(position)
            if abs(position - nearest) < 0.12:  # a downbeat played early counts as the downbeat
                counts[nearest % self.beats_per_bar] += 1
        return counts / max(1, len(hits))

    def swing_ratio(self, unit: int = 8) -> float:
        """Where the off-beat eighths (unit 8) or sixteenths (16) fall within their pair: 0.5
        straight, 0.667 for 2:1 swing (the median of the onsets near the off-beat)."""
        pair = 1.0 if unit == 8 else 0.5
        positions = [
            n.time % pair / pair
            for track in self.score.tracks
            for n in track.notes
            if 0.38 < n.time % pair / pair < 0.72  # off the pair's own 16ths (0.25, 0.75)
        ]
        return float(np.median(positions)) if positions else 0.5

    def bass_motion(self) -> dict:
        notes = sorted(self.notes("bass"), key=lambda n: n.time)
        if len(notes) < 2:
            return {"notes_per_bar": 0.0, "walking": 0.0, "octaves": 0.0, "offbeat": 0.0}
        bars: dict[int, list] = {}
        beat = self.bar / self.beats_per_bar
        for note in notes:  # by the nearest beat: a humanised downbeat may come a little early
            bars.setdefault(int(round(note.time / beat) // self.beats_per_bar), []).append(note)
        walking = sum(
            len(bar) == self.beats_per_bar and len({n.pitch for n in bar}) >= 3
            for bar in bars.values()
        )
        steps = [b.pitch - a.pitch for a, b in zip(notes, notes[1:], strict=False)]
        offbeat = sum(abs(n.time / beat - round(n.time / beat)) > 0.1 for n in notes)
        return {
            "notes_per_bar": len(notes) / len(bars),
            "walking": walking / len(bars),
            "octaves": sum(abs(s) == 12 for s in steps) / len(steps),
            "offbeat": offbeat / len(notes),
        }

    def seventh_share(self) -> float:
        """Of the chords the comping and pad parts strike (3 or more notes at once), the share
        with a seventh, in any inversion: its seventh and its root are a tone or a semitone apart
        as pitch classes, where a major or minor triad has no two notes that close (a shell
        voicing's root, third, seventh counts)."""
        clusters: dict[tuple[str, float], list[int]] = {}
        for name in ("comp", "pad"):
            for note in self.notes(name):
                # Notes struck together, to the nearest 32nd: humanising spreads a chord a little.
                clusters.setdefault((name, round(note.time * 8)), []).append(note.pitch)
        chords = [pitches for pitches in clusters.values() if len(set(pitches)) >= 3]

        def has_seventh(pitches: list[int]) -> bool:
            classes = {p % 12 for p in pitches}
            return any((a - b) % 12 in (1, 2) for a in classes for b in classes)

        return sum(map(has_seventh, chords)) / len(chords) if chords else 0.0

    def sections(self) -> list[int]:
        """The bars where sections start, read from the crashes that open them (bar 0 first)."""
        starts = {0}
        for note in self.drum_hits(CRASHES):
            bar = round(note.time / self.bar)
            if abs(note.time - bar * self.bar) < 0.05:
                starts.add(bar)
        return sorted(starts)

    def bars(self) -> int:
        return int(np.ceil(self.score.end() / self.bar))

    def roles_by_bar(self) -> list[int]:
        active = np.zeros(self.bars() + 1, dtype=int)
        for track in self.score.tracks:
            playing = {int(n.time // self.bar) for n in track.notes}
            for bar in playing:
                active[bar] += 1
        return list(active)

    def notes_per_bar(self) -> np.ndarray:
        counts = np.zeros(self.bars() + 1)
        for track in self.score.tracks:
            for note in track.notes:
                counts[int(note.time // self.bar)] += 1
        return counts

    def seconds(self) -> float:
        if self.audio is not None:
            return len(self.audio) / PROBE_RATE
        return self.score.end() * 60.0 / self.tempo

    def bar_rms(self) -> np.ndarray:
        """The audio's loudness in each bar."""
        if self.audio is None:
            return np.zeros(0)
        samples = int(self.bar * 60.0 / self.tempo * PROBE_RATE)
        count = len(self.audio) // samples
        bars = self.audio[: count * samples].reshape(count, samples)
        return np.sqrt(np.mean(bars**2, axis=1))

    def energy_rise(self) -> float:
        """How much louder (RMS) the loudest 8 bars are than the first 8: sections that build."""
        rms = self.bar_rms()
        if len(rms) < 16:
            return 0.0
        windows = np.convolve(rms, np.ones(8) / 8, mode="valid")
        return float(windows.max() / max(1e-6, windows[0]))

    def melody_shape(self, count: int = 24) -> tuple[int, ...]:
        """The melody's first intervals and lengths: two songs with the same shape play the same
        tune (in any key)."""
        notes = sorted(self.notes("melody"), key=lambda n: (n.time, -n.pitch))
        firsts = [n for i, n in enumerate(notes) if i == 0 or n.time != notes[i - 1].time]
        pitches = [n.pitch for n in firsts[: count + 1]]
        lengths = [round(n.duration * 4) for n in firsts[:count]]
        return tuple(b - a for a, b in zip(pitches, pitches[1:], strict=False)) + tuple(lengths)

    def features(self) -> dict[str, float]:
        """One number per trait, for telling styles apart."""
        kick, snare, hats = (self.beat_share(p) for p in (KICKS, SNARES, HATS))
        padded = [np.pad(v, (0, max(0, 4 - len(v))))[:4] for v in (kick, snare)]
        motion = self.bass_motion()
        bars = max(1, self.bars())
        drums = self.notes("drums")
        return {
            "tempo": self.tempo,
            "beats_per_bar": float(self.beats_per_bar),
            **{f"kick_{i + 1}": float(v) for i, v in enumerate(padded[0])},
            **{f"snare_{i + 1}": float(v) for i, v in enumerate(padded[1])},
            "hats_per_bar": len(self.drum_hits(HATS)) / bars,
            "drums_per_bar": len(drums) / bars,
            "swing": self.swing_ratio(8),
            "swing16": self.swing_ratio(16),
            **{f"bass_{k}": v for k, v in motion.items()},
            "sevenths": self.seventh_share(),
            "roles": float(np.mean(self.roles_by_bar())),
            "notes_per_bar": float(np.mean(self.notes_per_bar())),
            "melody_pitch": float(np.median([n.pitch for n in self.notes("melody")] or [60])),
            "seconds": self.seconds(),
        }
