"""Chords for a melody in a style: Roman-numeral progressions read in the tune's key, the
progression that fits the melody best, and a chord per slot where the style lets the melody decide.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from scripts.notation.abc_analysis import LETTER_PC, Key

NUMERAL_RE = re.compile(
    r"^(?P<accidental>[b#]?)(?P<degree>VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)"
    r"(?P<suffix>maj7|m7|7|9|6|sus4|sus2|dim|aug|)$"
)
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
DEGREES = ("i", "ii", "iii", "iv", "v", "vi", "vii")
MAJOR, MINOR, DIMINISHED = (0, 4, 7), (0, 3, 7), (0, 3, 6)
SUFFIX_INTERVALS = {
    "sus4": (0, 5, 7),
    "sus2": (0, 2, 7),
    "dim": DIMINISHED,
    "aug": (0, 4, 8),
}
PITCH_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_MODES = ("min", "dor", "phr", "loc")


@dataclass(frozen=True)
class Chord:
    root: int  # pitch class
    intervals: tuple[int, ...]  # semitones above the root, the root (0) first
    plain: bool = False  # its added tones were taken off for the melody: voicings add none

    @property
    def pitch_classes(self) -> set[int]:
        return {(self.root + i) % 12 for i in self.intervals}

    @property
    def is_minor(self) -> bool:
        return 3 in self.intervals and 4 not in self.intervals

    @property
    def has_seventh(self) -> bool:
        return 10 in self.intervals or 11 in self.intervals

    @property
    def name(self) -> str:
        root = PITCH_NAMES[self.root]
        if self.intervals[:3] == DIMINISHED:
            return root + "dim"
        quality = "m" if self.is_minor else ""
        if 11 in self.intervals:
            quality += "maj7"
        elif 10 in self.intervals:
            quality += "9" if 14 in self.intervals else "7"
        elif self.intervals == (0, 5, 7):
            quality = "sus4"
        elif self.intervals == (0, 2, 7):
            quality = "sus2"
        return root + quality

    def with_seventh(self, scale: frozenset[int]) -> Chord:
        """A seventh added from the key's `scale`: the major seventh where the key has it on a
        major chord (Imaj7, IVmaj7), else the minor one (V7, ii7), never a note outside it."""
        if self.has_seventh or self.intervals[:3] not in (MAJOR, MINOR):
            return self
        options = (10,) if self.is_minor else (11, 10)
        for interval in options:
            if (self.root + interval) % 12 in scale:
                return Chord(self.root, (*self.intervals, interval))
        return self


def scale_of(tonic: int, mode: str) -> frozenset[int]:
    """The key's pitch classes."""
    return frozenset((tonic + step) % 12 for step in SCALES[mode])


def key_scale(key: Key, mode: str | None = None) -> tuple[int, str]:
    """(tonic pitch class, "major" or "minor") for reading numerals in the tune's key; asked for
    the other mode, the relative key (the same notes): a major tune in a minor style is read in
    its relative minor."""
    tonic = (LETTER_PC[key.tonic[0]] + {"#": 1, "b": -1}.get(key.tonic[1:2], 0)) % 12
    own = "minor" if key.mode in MINOR_MODES else "major"
    if mode is None or mode == own:
        return tonic, own
    return (tonic + (9 if own == "major" else 3)) % 12, mode


def parse_numeral(numeral: str, tonic: int, mode: str) -> Chord:
    """'bVII' in C major → Bb; 'ii7' → Dm7; 'V7' → G7; in minor 'VI' is the sixth of its scale."""
    found = NUMERAL_RE.match(numeral)
    if not found:
        raise ValueError(f"not a chord numeral: {numeral!r}")
    degree = DEGREES.index(found["degree"].lower())
    scale = SCALES[mode]
    root = (tonic + scale[degree] + {"b": -1, "#": 1, "": 0}[found["accidental"]]) % 12
    suffix, upper = found["suffix"], found["degree"].isupper()
    if suffix in SUFFIX_INTERVALS:
        return Chord(root, SUFFIX_INTERVALS[suffix])
    fifth = (scale[(degree + 4) % 7] - scale[degree]) % 12
    # Case gives the quality; a lower-case numeral on the scale's diminished degree stays so.
    diminished = not upper and fifth == 6 and not found["accidental"] and suffix != "m7"
    triad = MAJOR if upper and suffix != "m7" else (DIMINISHED if diminished else MINOR)
    extra = {"7": (10,), "m7": (10,), "maj7": (11,), "9": (10, 14), "6": (9,)}.get(suffix, ())
    return Chord(root, triad + extra)


def diatonic_chords(tonic: int, mode: str) -> list[Chord]:
    """The key's major and minor triads (the diminished one left out)."""
    chords = []
    for degree in range(7):
        chord = parse_numeral(DEGREES[degree], tonic, mode)
        if chord.intervals != DIMINISHED:
            chords.append(chord)
    return chords


def fit_score(chord: Chord, notes: list[tuple[int, float]]) -> float:
    """How well a chord carries a slot's melody notes (pitch, length): chord tones count, the
    root more; a note a semitone off a chord tone counts against."""
    score = 0.0
    tones = chord.pitch_classes
    for pitch, length in notes:
        pc = pitch % 12
        if pc == chord.root:
            score += 1.5 * length
        elif pc in tones:
            score += length
        elif any((pc - t) % 12 in (1, 11) for t in tones):
            score -= 0.5 * length
    return score


def harsh_clashes(chord: Chord, pitch_classes: set[int]) -> int:
    """How many of the melody's pitch classes sound a semitone from a chord tone without being
    one: a minor second or major seventh against the band (a flat ninth when voiced apart)."""
    tones = chord.pitch_classes
    return sum(
        1
        for pc in pitch_classes
        if pc not in tones and any((pc - t) % 12 in (1, 11) for t in tones)
    )


def triad_of(chord: Chord) -> Chord:
    return Chord(chord.root, chord.intervals[:3], plain=True)


def without_clash(
    chord: Chord, strong: set[int], notes: list[tuple[int, float]], candidates: list[Chord]
) -> Chord:
    """`chord`, unless a note sounding on a strong beat clashes with it: then the chord without
    its added tones, else the candidate with no clash that carries the slot's melody best (the
    style's own chords come first among equals), else the one with the fewest clashes."""
    if not harsh_clashes(chord, strong):
        return chord
    if not harsh_clashes(triad_of(chord), strong):
        return triad_of(chord)
    options = [option for c in candidates for option in (c, triad_of(c))]
    clean = [c for c in options if not harsh_clashes(c, strong)]
    if clean:
        return max(clean, key=lambda c: (fit_score(c, notes), -clean.index(c)))
    return min([chord, *options], key=lambda c: harsh_clashes(c, strong))


def own_chords(progressions: list[list[Chord]], tonic: int, mode: str) -> list[Chord]:
    """The style's chords, most used first; a style of fewer than three chords borrows the
    key's triads."""
    counted: dict[Chord, int] = {}
    for progression in progressions:
        for chord in progression:
            counted[chord] = counted.get(chord, 0) + 1
    chords = sorted(counted, key=lambda c: -counted[c])
    if len(chords) < 3:
        chords += [c for c in diatonic_chords(tonic, mode) if c not in chords]
    return chords


def choose_chords(
    slots: list[list[tuple[int, float]]],
    strong: list[set[int]],
    progressions: list[list[str]],
    tonic: int,
    mode: str,
    fit: float,
    sevenths: float,
    seed: int,
) -> list[Chord]:
    """One chord per slot: the style progression that suits the melody best, looped; where `fit`
    lets the melody decide, a chord it clashes with gives way to the style's chord it fits; and
    no chord sounds a semitone against a note on a strong beat (`strong`: the pitch classes
    sounding there, per slot)."""
    rng = random.Random(f"harmony {seed}")
    parsed = [[parse_numeral(n, tonic, mode) for n in progression] for progression in progressions]

    def total(progression: list[Chord]) -> float:
        return sum(fit_score(progression[i % len(progression)], s) for i, s in enumerate(slots))

    ranked = sorted(parsed, key=lambda p: (total(p), rng.random()), reverse=True)
    progression = ranked[0]
    candidates = own_chords(parsed, tonic, mode)
    scale = scale_of(tonic, mode)
    chords = []
    for index, notes in enumerate(slots):
        chord = progression[index % len(progression)]
        if fit > 0 and notes:
            best = max(candidates, key=lambda c: fit_score(c, notes))
            if fit_score(chord, notes) < fit * fit_score(best, notes):
                chord = best
        if rng.random() < sevenths:
            chord = chord.with_seventh(scale)
        chords.append(without_clash(chord, strong[index], notes, candidates))
    return chords


def closing_chords(progressions: list[list[str]], tonic: int, mode: str, sevenths: float):
    """V and I as the style plays them: its own most used chords on those roots (blues: V7 and
    I7; jazz: V7 and Imaj7; funk: im7), else triads, with sevenths where the style mostly has
    them."""
    parsed = [[parse_numeral(n, tonic, mode) for n in progression] for progression in progressions]
    own = own_chords(parsed, tonic, mode)
    defaults = (dominant_chord(tonic, mode), tonic_chord(tonic, mode))
    chords = [next((c for c in own if c.root == d.root), d) for d in defaults]
    if sevenths >= 0.5:
        chords = [chord.with_seventh(scale_of(tonic, mode)) for chord in chords]
    return tuple(chords)


def tonic_chord(tonic: int, mode: str) -> Chord:
    return parse_numeral("i" if mode == "minor" else "I", tonic, mode)


def dominant_chord(tonic: int, mode: str) -> Chord:
    return parse_numeral("V", tonic, mode)
