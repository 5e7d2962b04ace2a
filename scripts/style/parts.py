"""Accompaniment notes from a style's parts: step rhythms, and the pitches each bass pattern and
chord voicing gives them (data/styles/README.md, "Parts")."""

from __future__ import annotations

from dataclasses import dataclass

from scripts import temporary
from scripts.style.harmony import Chord
from scripts.style.style_library import pattern_steps

STRUM_SPREAD_STEPS = 0.06  # of a step between a strummed chord's notes
SHORT_VOICINGS = {"stab": 1.0, "skank": 0.5}  # at most this many steps long


@dataclass(frozen=True)
class Hit:
    step: int  # from the start of the part's span
    length: int  # steps it sounds (a held note runs through its "-" steps)
    mark: str  # X x o


@dataclass(frozen=True)
class PartNote:
    start: float  # in steps from the span's start
    length: float  # in steps
    pitch: int
    velocity: int


def hits(pattern: str, total_steps: int) -> list[Hit]:
    """The pattern looped over `total_steps`: each note with how long it is held."""
    steps = pattern_steps(pattern)
    looped = (steps * (total_steps // len(steps) + 1))[:total_steps]
    found = []
    for index, mark in enumerate(looped):
        if mark in temporary.STEP_VELOCITY:
            length = 1
            while index + length < total_steps and looped[index + length] == temporary.STEP_HOLD:
                length += 1
            found.append(Hit(index, length, mark))
    return found


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


def voiced(chord: Chord, voicing: str, center: int, scale: frozenset[int]) -> list[int]:
    """The notes a voicing plays of a chord, near `center`."""
    if voicing == "power":
        root = near(chord.root, center - 5)
        return [root, root + 7, root + 12]
    # A chord made plain for the melody keeps to its triad whatever the voicing adds.
    if voicing in ("seventh", "shell", "ninth") and not chord.plain:
        chord = chord.with_seventh(scale)
    if voicing == "ninth" and 14 not in chord.intervals and not chord.plain:
        chord = Chord(chord.root, (*chord.intervals, 14))
    if voicing == "shell":
        root = near(chord.root, center - 7)
        third = 3 if chord.is_minor else 4
        seventh = next((i for i in chord.intervals if i in (10, 11)), 7)
        return [root, root + third + 12, root + seventh]
    if voicing == "skank":
        return chord_tones(chord, center + 7, 3)
    if voicing == "strum":
        root = near(chord.root, center - 12)
        return [root, root + 7, *chord_tones(chord, center + 2, 4)]
    if voicing == "pad":
        return [near(chord.root, center - 12), *chord_tones(chord, center, len(chord.intervals))]
    return chord_tones(chord, center, max(3, len(chord.intervals)))


def broken(tones: list[int], voicing: str, index: int) -> list[int]:
    """The notes of hit `index` for voicings that break the chord up."""
    if voicing == "arpeggio":
        run = tones + [t + 12 for t in tones[1:]]
        return [run[index % len(run)]]
    if voicing == "alberti":  # low, high, middle, high
        low, middle, high = tones[0], tones[1 % len(tones)], tones[2 % len(tones)]
        return [[low, high, middle, high][index % 4]]
    if voicing == "montuno":  # one chord tone at a time, doubled an octave up
        tone = [tones[0], tones[2 % len(tones)], tones[1 % len(tones)], tones[2 % len(tones)]][
            index % 4
        ]
        return [tone, tone + 12]
    return tones


def bass_pitch(
    pattern: str, chord: Chord, following: Chord, index: int, count: int, low: int, at: float
) -> int:
    """The bass note of hit `index` of `count` under `chord` (the next chord is `following`;
    `at` is how far through the chord's span the hit falls, 0..1)."""
    root = low + (chord.root - low) % 12
    third = root + (3 if chord.is_minor else 4)
    fifth = root + 7
    if pattern == "root_fifth":
        return root if index % 2 == 0 else (fifth if fifth < low + 19 else fifth - 12)
    if pattern == "octaves":
        return root + (12 if index % 2 else 0)
    if pattern == "arpeggio":
        return [root, third, fifth, root + 12][index % 4]
    if pattern == "riff":
        return root + (0, 0, 12, 0, 7, 0, 10, 12)[index % 8]
    if pattern == "tumbao":  # the later notes belong to the next chord already
        target = low + (following.root - low) % 12
        return (
            fifth - 12 if at < 0.5 and fifth - 12 >= low - 2 else (target if at >= 0.5 else fifth)
        )
    if pattern == "walking":
        target = low + (following.root - low) % 12
        if index == 0:
            return root
        if index == count - 1:  # a chromatic step into the next chord's root
            return target - 1 if target - 1 > root else target + 1
        line = (root, third, fifth, root + 9 if not chord.is_minor else root + 10)
        return line[index % len(line)]
    return root  # root, sub, glide


@dataclass(frozen=True)
class ChordSpan:
    start_step: int
    steps: int
    chord: Chord
    following: Chord


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
    part: dict,
    rhythm: str,
    spans: list[ChordSpan],
    energy: float,
    scale: frozenset[int],
    steps_per_beat: int,
) -> list[PartNote]:
    """Every note one part plays over the chord spans of a section."""
    total = spans[-1].start_step + spans[-1].steps if spans else 0
    low_octave = part.get("octave", 2 if role == "bass" else 4)
    center = 12 * (low_octave + 1) + 6
    gate = part.get("gate", 0.9)
    base_velocity = part.get("velocity", 90)
    voicing = part.get("voicing", "")
    notes: list[PartNote] = []
    all_hits = hits(rhythm, total)
    span_index = 0
    for number, hit in enumerate(all_hits):
        while span_index + 1 < len(spans) and hit.step >= spans[span_index + 1].start_step:
            span_index += 1
        span = spans[span_index]
        velocity = temporary.STEP_VELOCITY[hit.mark] * base_velocity / 96
        velocity *= metric_accent(hit.step, steps_per_beat)
        velocity = max(1, min(127, round(velocity * (0.75 + 0.35 * energy))))
        length = hit.length * gate
        if role == "bass":
            in_span = [
                h for h in all_hits if span.start_step <= h.step < span.start_step + span.steps
            ]
            index = in_span.index(hit)
            at = (hit.step - span.start_step) / span.steps
            pitch = bass_pitch(
                part["pattern"], span.chord, span.following, index, len(in_span), center - 6, at
            )
            notes.append(PartNote(hit.step, length, pitch, velocity))
            continue
        length = min(length, SHORT_VOICINGS.get(voicing, length))
        tones = voiced(span.chord, voicing, center, scale)
        played = broken(tones, voicing, number)
        for order, pitch in enumerate(played):
            offset = order * STRUM_SPREAD_STEPS if voicing == "strum" else 0.0
            notes.append(PartNote(hit.step + offset, max(0.1, length - offset), pitch, velocity))
    return notes
