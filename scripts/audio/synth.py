"""The app's SoundFont synth: symusic 0.5.8's (prestosynth), fed a copy of the SoundFont that it
plays like the reference player, FluidSynth (scripts/audio/soundfont_flatten.py), and notes it can
play that way.

prestosynth decays a looped note only when the note ends before its decay does; a longer note
jumps back to full level and stays there. So a note of a zone that FluidSynth decays to silence
is ended here where the copy's straight-line decay reaches 0 (what FluidSynth plays of it after
that is 40 dB or more down).
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import symusic

from scripts import temporary
from scripts.audio import soundfont_flatten as sf
from scripts.audio.soundfont_tuning import _pdta, in_tune

DRUM_BANK = 128
EARLY_S = 0.002  # end a note this much before its decay does: prestosynth rounds frames up
# prestosynth gives a centred sound 0.5 of it a side, FluidSynth sin(45 deg) = 0.71: the same
# level as FluidSynth (at its gain 1) for centred zones (soundfont_flatten.py brings the
# panned ones in line with them).
PAN_GAIN = math.sqrt(2)
NOTE_FIELDS = ("time", "duration", "pitch", "velocity")
EMPTY = (
    np.zeros(0, np.float32),
    np.zeros(0, np.float32),
    np.zeros(0, np.int8),
    np.zeros(0, np.int8),
)


def prepare_soundfont(source: Path, folder: Path = temporary.SOUNDFONT_CACHE_DIR) -> Path:
    """The copy of `source` the synth loads (made once, kept in `folder`)."""
    return in_tune(source, folder)


def note_limits(soundfont: Path) -> dict[tuple[int, int], np.ndarray]:
    """{(bank, program): the longest each key (0-127) sounds, in s; inf where it holds}, read
    from the copy's zones: looped ones with a decay end when it does."""
    try:
        _, _, parts = _pdta(soundfont)
    except (OSError, ValueError):
        return {}
    phdr = list(struct.iter_unpack("<20sHHHIII", parts[b"phdr"]))
    pbags = [bag for bag, _ in struct.iter_unpack("<HH", parts[b"pbag"])]
    pgens = list(struct.iter_unpack("<HH", parts[b"pgen"]))
    ibags = [bag for bag, _ in struct.iter_unpack("<HH", parts[b"ibag"])]
    insts = [bag for _, bag in struct.iter_unpack("<20sH", parts[b"inst"])]
    igens = list(struct.iter_unpack("<HH", parts[b"igen"]))
    limits = {}
    for number, (_, program, bank, first, *_) in enumerate(phdr[:-1]):
        longest = np.zeros(128)
        for pzone in sf._zones(pbags, pgens, first, phdr[number + 1][3]):
            inst = pzone.get(sf.INSTRUMENT)
            if inst is None or inst + 1 >= len(insts):
                continue
            for zone in sf._zones(ibags, igens, insts[inst], insts[inst + 1]):
                low, high = sf._range(zone.get(sf.KEY_RANGE))
                limit = math.inf
                if zone.get(sf.SAMPLE_MODES, 0) & 1 and sf.DECAY in zone:
                    parts_s = (sf.DELAY, sf.ATTACK, sf.HOLD, sf.DECAY)
                    limit = sum(sf.seconds(sf._signed(zone.get(g, sf.BIAS))) for g in parts_s)
                    limit -= EARLY_S
                longest[low : high + 1] = np.maximum(longest[low : high + 1], limit)
        if np.isfinite(longest).any():
            longest[longest == 0] = math.inf
            limits[bank, program] = longest
    return limits


class Synth:
    """symusic's Synthesizer on a prepared copy; render() as its own."""

    def __init__(self, soundfont: str, sample_rate: int):
        self.soundfont, self.sample_rate = soundfont, sample_rate
        self.synth = symusic.Synthesizer(sf_path=soundfont, sample_rate=sample_rate)
        self.limits = note_limits(Path(soundfont))

    def forget(self) -> None:
        """Drop the synth's cache of samples at each played pitch (tens of MB a program with a
        big SoundFont such as FluidR3): loading the SoundFont again takes milliseconds."""
        self.synth = symusic.Synthesizer(sf_path=self.soundfont, sample_rate=self.sample_rate)

    def playable(self, score):
        """`score`, or a copy with the notes ended where the synth would play them wrong."""
        copy = None
        for number, track in enumerate(score.tracks):
            limit = self.limits.get((DRUM_BANK if track.is_drum else 0, track.program))
            if limit is None or not len(track.notes):
                continue
            notes = track.notes.numpy()
            held = np.minimum(notes["duration"], limit[notes["pitch"].astype(np.int64) & 127])
            if np.array_equal(held, notes["duration"]):
                continue
            copy = copy or score.copy()
            copy.tracks[number].notes = symusic.Note.from_numpy(
                notes["time"],
                held.astype(notes["duration"].dtype),
                notes["pitch"],
                notes["velocity"],
                score.ttype,
            )
        return copy or score

    def render(self, score, stereo: bool = True) -> np.ndarray:
        """prestosynth plays every velocity at full level; FluidSynth's default velocity
        modulator takes (velocity / 127)^2 of the amplitude (-4.2 dB at 100, -12 dB at 64).
        The notes go to the synth in groups of one level, VELOCITY_STEP_DB apart, each group
        scaled after."""
        score = self.playable(score)
        groups: dict[int, list] = {}
        for number, track in enumerate(score.tracks):
            if not len(track.notes):
                continue
            notes = track.notes.numpy()
            velocity = np.maximum(notes["velocity"].astype(np.float64), 1)
            step = np.round(40 * np.log10(velocity / 127) / temporary.VELOCITY_STEP_DB)
            for level in np.unique(step):
                groups.setdefault(int(level), []).append((number, notes, step == level))
        if len(groups) <= 1:
            level = next(iter(groups), 0)
            audio = np.asarray(self.synth.render(score, stereo), np.float32)
            audio *= PAN_GAIN * 10 ** (level * temporary.VELOCITY_STEP_DB / 20)
            return audio
        parts = []
        for level, members in groups.items():
            part = score.copy()
            for track in part.tracks:
                track.notes = symusic.Note.from_numpy(*EMPTY, score.ttype)
            for number, notes, chosen in members:
                part.tracks[number].notes = symusic.Note.from_numpy(
                    *(notes[key][chosen] for key in NOTE_FIELDS), score.ttype
                )
            audio = np.asarray(self.synth.render(part, stereo), np.float32)
            audio *= PAN_GAIN * 10 ** (level * temporary.VELOCITY_STEP_DB / 20)
            parts.append(audio)
        mixed = np.zeros((parts[0].shape[0], max(p.shape[1] for p in parts)), np.float32)
        for audio in parts:
            mixed[:, : audio.shape[1]] += audio
        return mixed


def render(score, soundfont: Path, sample_rate: int) -> np.ndarray:
    """Stereo float32 samples, shape (2, n), of `score` through the prepared `soundfont`."""
    from scripts.audio.audio_render import synthesizer

    return np.asarray(synthesizer(str(soundfont), sample_rate).render(score, True), np.float32)
