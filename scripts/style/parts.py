"""Accompaniment notes from a style's parts: step rhythms, and the pitches each bass pattern and
chord voicing gives them (data/styles/README.md, "Parts")."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scripts import temporary
from scripts.style.harmony import Chord
from scripts.style.steps import hits

if TYPE_CHECKING:  # the schema names these registries' keys as its choices: it imports this
    from scripts.style.style_schema import BassPart, ChordPart

STRUM_SPREAD_STEPS = 0.06  # of a step between a strummed chord's notes


@dataclass(frozen=True)
class PartNote:
    start: float  # in steps from the span's start
    length: float  # in steps
    pitch: int
    velocity: int


def near(pitch_class: int, center: int) -> int:
    """The pitch of this pitch class closest to `center`."""
    return center + ((pitch_class - center + 6) % 12) - 6


def chord_tones(chord: Chord, center: int, count: int) -> list[int]:
    """`count` chord tones stacked close above the root nearest below `center`."""
    root = near(chord.root, center - 5)
    tones = [root + i for i in chord.intervals]
    while len(tones) < count:
        tones.append(tones[len(tones) - len(chord.intervals)] + 12)
    return tones[:count]


def with_seventh(chord: Chord, scale: frozenset[int]) -> Chord:
    # A chord made plain for the melody keeps to its triad whatever the voicing adds.
    return chord if chord.plain else chord.with_seventh(scale)


def with_ninth(chord: Chord, scale: frozenset[int]) -> Chord:
    chord = with_seventh(chord, scale)
    if 14 in chord.intervals or chord.plain:
        return chord
    return Chord(chord.root, (*chord.intervals, 14))


def close(chord: Chord, center: int) -> list[int]:
    return chord_tones(chord, center, max(3, len(chord.intervals)))


def power(chord: Chord, center: int) -> list[int]:
    root = near(chord.root, center - 5)
    return [root, root + 7, root + 12]


def shell(chord: Chord, center: int) -> list[int]:
    root = near(chord.root, center - 7)
    third = 3 if chord.is_minor else 4
    seventh = next((i for i in chord.intervals if i in (10, 11)), 7)
    return [root, root + third + 12, root + seventh]


def strum(chord: Chord, center: int) -> list[int]:
    root = near(chord.root, center - 12)
    return [root, root + 7, *chord_tones(chord, center + 2, 4)]


def pad(chord: Chord, center: int) -> list[int]:
    return [near(chord.root, center - 12), *chord_tones(chord, center, len(chord.intervals))]


def arpeggio(tones: list[int], index: int) -> list[int]:
    run = tones + [t + 12 for t in tones[1:]]
    return [run[index % len(run)]]


def alberti(tones: list[int], index: int) -> list[int]:  # low, high, middle, high
    low, middle, high = tones[0], tones[1 % len(tones)], tones[2 % len(tones)]
    return [[low, high, middle, high][index % 4]]


def montuno(tones: list[int], index: int) -> list[int]:  # one tone at a time, doubled above
    tone = [tones[0], tones[2 % len(tones)], tones[1 % len(tones)], tones[2 % len(tones)]]
    return [tone[index % 4], tone[index % 4] + 12]


@dataclass(frozen=True)
class Voicing:
    """What a chord part plays of a chord: `notes(chord, center, scale, index)` gives the
    pitches of its `index`-th hit near `center`; `longest` caps a note (steps), `spread` sets the
    steps between a chord's notes; `under_lead`: a held chord, kept under the lead (a chop, a
    stab or a broken chord keeps the place the style gave it, above the lead where it likes)."""

    notes: Callable[[Chord, int, frozenset[int], int], list[int]]
    longest: float = math.inf
    spread: float = 0.0
    under_lead: bool = True


def plain(tones: Callable[[Chord, int], list[int]]) -> Callable:
    return lambda chord, center, scale, index: tones(chord, center)


def added(tones: Callable[[Chord, int], list[int]], chord_of: Callable) -> Callable:
    return lambda chord, center, scale, index: tones(chord_of(chord, scale), center)


def broken(pick: Callable[[list[int], int], list[int]]) -> Callable:
    return lambda chord, center, scale, index: pick(close(chord, center), index)


# The names are the style schema's choices for `voicing`, in the order its messages list them.
VOICINGS = {
    "triad": Voicing(plain(close)),
    "seventh": Voicing(added(close, with_seventh)),
    "ninth": Voicing(added(close, with_ninth)),
    "power": Voicing(plain(power)),
    "shell": Voicing(added(shell, with_seventh)),
    "stab": Voicing(plain(close), longest=1.0, under_lead=False),
    "skank": Voicing(
        plain(lambda chord, center: chord_tones(chord, center + 7, 3)),
        longest=0.5,
        under_lead=False,
    ),
    "arpeggio": Voicing(broken(arpeggio), under_lead=False),
    "alberti": Voicing(broken(alberti), under_lead=False),
    "strum": Voicing(plain(strum), spread=STRUM_SPREAD_STEPS),
    "montuno": Voicing(broken(montuno), under_lead=False),
    "pad": Voicing(plain(pad)),
}


def voiced(chord: Chord, voicing: str, center: int, scale: frozenset[int]) -> list[int]:
    """The notes a voicing plays of a chord, near `center` (its first hit's)."""
    return VOICINGS[voicing].notes(chord, center, scale, 0)


def heard(chord: Chord, voicings: list[str], scale: frozenset[int]) -> Chord:
    """`chord` with the tones these voicings add to it (a seventh, a ninth): what the band
    sounds, which the melody's strong beats must not rub against."""
    added = {(p - chord.root) % 12 for v in voicings for p in voiced(chord, v, 60, scale)}
    return Chord(chord.root, tuple(sorted(set(chord.intervals) | added)), chord.plain)


@dataclass(frozen=True)
class BassHit:
    """A bass note to choose: hit `index` of `count` under `chord` (the next is `following`),
    `at` this far through the chord's span (0..1), at or above `low`."""

    chord: Chord
    following: Chord
    index: int
    count: int
    low: int
    at: float

    @property
    def root(self) -> int:
        return self.low + (self.chord.root - self.low) % 12

    @property
    def third(self) -> int:
        return self.root + (3 if self.chord.is_minor else 4)

    @property
    def fifth(self) -> int:
        return self.root + 7

    @property
    def target(self) -> int:  # the next chord's root
        return self.low + (self.following.root - self.low) % 12


def root_fifth(hit: BassHit) -> int:
    if hit.index % 2 == 0:
        return hit.root
    return hit.fifth if hit.fifth < hit.low + 19 else hit.fifth - 12


def tumbao(hit: BassHit) -> int:  # the later notes belong to the next chord already
    if hit.at >= 0.5:
        return hit.target
    return hit.fifth - 12 if hit.fifth - 12 >= hit.low - 2 else hit.fifth


def walking(hit: BassHit) -> int:
    if hit.index == 0:
        return hit.root
    if hit.index == hit.count - 1:  # a chromatic step into the next chord's root
        return hit.target - 1 if hit.target - 1 > hit.root else hit.target + 1
    sixth_or_seventh = hit.root + (10 if hit.chord.is_minor else 9)
    line = (hit.root, hit.third, hit.fifth, sixth_or_seventh)
    return line[hit.index % len(line)]


def octaves(hit: BassHit) -> int:
    return hit.root + (12 if hit.index % 2 else 0)


def glide(hit: BassHit) -> int:
    """An 808's line: the root and the octave above in turn, the chord's last note already on
    the next chord's root; every new note is a new pitch for the sub's glide to slide into."""
    if hit.count > 1 and hit.index == hit.count - 1:
        return hit.target
    return octaves(hit)


# The names are the style schema's choices for a bass `pattern`, in the order its messages list
# them. `sub` plays roots; the sound (held, sliding) is the bass's effects' to make.
BASS_PATTERNS: dict[str, Callable[[BassHit], int]] = {
    "root": lambda hit: hit.root,
    "root_fifth": root_fifth,
    "octaves": octaves,
    "walking": walking,
    "arpeggio": lambda hit: [hit.root, hit.third, hit.fifth, hit.root + 12][hit.index % 4],
    "tumbao": tumbao,
    "riff": lambda hit: hit.root + (0, 0, 12, 0, 7, 0, 10, 12)[hit.index % 8],
    "sub": lambda hit: hit.root,
    "glide": glide,
}


@dataclass(frozen=True)
class ChordSpan:
    start_step: int
    steps: int
    chord: Chord
    following: Chord


def energy_velocity(velocity: float, energy: float) -> int:
    """A note's velocity in a section of this energy (0..1): three quarters of it at none, a
    tenth over it at full."""
    return max(1, min(127, round(velocity * (0.75 + 0.35 * energy))))


def metric_accent(step: int, steps_per_beat: int) -> float:
    """How a player weighs a note by where it falls: the beat over the off-beat over the
    steps between (temporary.METRIC_ACCENTS)."""
    if step % steps_per_beat == 0:
        return temporary.METRIC_ACCENTS[0]
    if steps_per_beat % 2 == 0 and step % (steps_per_beat // 2) == 0:
        return temporary.METRIC_ACCENTS[1]
    return temporary.METRIC_ACCENTS[2]


def part_notes(
    role: str,
    part: BassPart | ChordPart,
    rhythm: str,
    spans: list[ChordSpan],
    energy: float,
    scale: frozenset[int],
    steps_per_beat: int,
) -> list[PartNote]:
    """Every note one part plays over the chord spans of a section."""
    total = spans[-1].start_step + spans[-1].steps if spans else 0
    center = 12 * (part.octave + 1) + 6
    notes: list[PartNote] = []
    all_hits = hits(rhythm, total)
    span_index = 0
    for number, hit in enumerate(all_hits):
        while span_index + 1 < len(spans) and hit.step >= spans[span_index + 1].start_step:
            span_index += 1
        span = spans[span_index]
        velocity = temporary.STEP_VELOCITY[hit.mark] * part.velocity / 96
        velocity *= metric_accent(hit.step, steps_per_beat)
        velocity = energy_velocity(velocity, energy)
        length = hit.length * part.gate
        if role == "bass":
            in_span = [
                h for h in all_hits if span.start_step <= h.step < span.start_step + span.steps
            ]
            at = (hit.step - span.start_step) / span.steps
            bass = BassHit(
                span.chord, span.following, in_span.index(hit), len(in_span), center - 6, at
            )
            notes.append(PartNote(hit.step, length, BASS_PATTERNS[part.pattern](bass), velocity))
            continue
        voicing = VOICINGS[part.voicing]
        length = min(length, voicing.longest)
        for order, pitch in enumerate(voicing.notes(span.chord, center, scale, number)):
            offset = order * voicing.spread
            notes.append(PartNote(hit.step + offset, max(0.1, length - offset), pitch, velocity))
    return notes
