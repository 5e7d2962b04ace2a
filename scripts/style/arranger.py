"""A tune → a song of a style: a multi-track symusic Score with the model's melody, chords from the
style's harmony, the style's parts and grooves section by section, swing and a human touch.

The melody comes from abc2midi's rendering of the tune alone (repeats expanded); everything else
is written here from the style's data, so the same tune sounds different in every style.
"""

from __future__ import annotations

import math
import random
import statistics
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace

import symusic

from scripts import temporary
from scripts.audio.effects import Effects
from scripts.notation.abc_analysis import Key, fraction_parts
from scripts.style.drums import section_drums
from scripts.style.harmony import (
    Chord,
    choose_chords,
    closing_chords,
    harsh_clashes,
    key_scale,
    scale_of,
)
from scripts.style.lead import LeadContext, lead_line, solo_line
from scripts.style.parts import (
    VOICINGS,
    ChordSpan,
    PartNote,
    energy_velocity,
    heard,
    part_notes,
    voiced,
)
from scripts.style.song_form import MELODY_HALF, Section, lay_out, tune_halves
from scripts.style.style_match import Blend
from scripts.style.style_schema import ChordPart

TPQ = 480
HUMAN_TIMING_MS = 9.0  # timing spread (one sigma) of a fully human player
HUMAN_VELOCITY = 7.0
ENDING_HOLD_BARS = 1  # the last chord rings this long
ONSET_TOLERANCE = 0.0625  # quarters: a note this close before a beat starts on it


class ArrangeError(ValueError):
    """The tune cannot be arranged (no notes, say); the message says why."""


@dataclass
class MelodyNote:
    start: float  # in quarters from the first full bar of the tune (a pickup is below 0)
    length: float
    pitch: int
    velocity: int


@dataclass
class SongArrangement:
    score: symusic.Score
    sections: list[Section]
    tempo: int
    bar: float  # quarters a bar
    summary: dict = field(default_factory=dict)

    def seconds(self, bar: int) -> float:
        """When bar `bar` of the song starts."""
        return bar * self.bar * 60.0 / self.tempo

    def melody_starts(self) -> list[float]:
        """When each section that plays the tune starts, in seconds."""
        return [
            self.seconds(s.start_bar)
            for s in self.sections
            if "melody" in s.roles and s.name in MELODY_HALF
        ]


def melody_from_midi(midi: bytes, pickup_quarters: float) -> list[MelodyNote]:
    """The tune's notes (every pitched track of abc2midi's file), timed from its first full bar."""
    score = symusic.Score.from_midi(midi).to("quarter")
    grid = temporary.TICKS_A_QUARTER
    notes = [
        MelodyNote(
            round((n.time - pickup_quarters) * grid) / grid,
            round(n.duration * grid) / grid,
            n.pitch,
            n.velocity,
        )
        for track in score.tracks
        if not track.is_drum
        for n in track.notes
        if n.duration > 0
    ]
    if not notes:
        raise ArrangeError("the tune has no notes to arrange")
    return sorted(notes, key=lambda n: (n.start, n.pitch))


def register_shift(notes: list[MelodyNote], register: list[int]) -> int:
    """Octaves (in semitones) that bring the melody's middle into the style's register."""
    middle = statistics.median(n.pitch for n in notes)
    target = (register[0] + register[1]) / 2
    return 12 * round((target - middle) / 12)


def chord_slots(
    notes: list[MelodyNote], tune_bars: int, bar: float, chord_bars: float
) -> list[list[tuple[int, float]]]:
    """The melody's (pitch, length) in each chord slot of the tune."""
    slot = bar * chord_bars
    slots: list[list[tuple[int, float]]] = [
        [] for _ in range(max(1, math.ceil(tune_bars / chord_bars)))
    ]
    for note in notes:
        index = int(max(0.0, note.start) // slot)
        if index < len(slots):
            slots[index].append((note.pitch, note.length))
    return slots


def strong_slots(
    notes: list[MelodyNote], count: int, bar: float, chord_bars: float, beats: list[float]
) -> list[set[int]]:
    """The pitch classes the melody sounds on the strong beats (`beats`, quarters into the
    bar) of each of `count` chord slots."""
    slot = bar * chord_bars
    slots: list[set[int]] = [set() for _ in range(count)]
    for note in notes:
        # abc2midi's notes start a tick or two late: a beat counts as the note's from just before
        start = note.start - ONSET_TOLERANCE
        first = math.floor(max(0.0, start) / bar)
        for bar_index in range(first, math.floor((note.start + note.length) / bar) + 1):
            for beat in beats:
                at = bar_index * bar + beat
                index = int(at // slot)
                if start <= at < note.start + note.length and index < count:
                    slots[index].add(note.pitch % 12)
    return slots


def rubs(pitch: int, *chords: Chord) -> bool:
    """Whether the pitch sounds a semitone from a tone of any of the chords, not being one."""
    return any(harsh_clashes(chord, {pitch % 12}) for chord in chords)


def resolved(
    notes: list[MelodyNote],
    chords: list[Chord],
    sounding: list[Chord],
    bar: float,
    chord_bars: float,
    beats: list[float],
) -> list[MelodyNote]:
    """The notes, with each one that starts on a strong beat a semitone from a tone of its chord
    moved onto the nearest tone that rubs against neither the chord as written (all a section
    without the comp plays) nor as the band sounds it (`sounding`: with the sevenths and ninths
    the voicings add). Where no chord could carry the melody there, the arranger bends the
    melody, as an appoggiatura resolved early."""
    slot = bar * chord_bars
    fitted = []
    for note in notes:
        index = int(max(0.0, note.start + ONSET_TOLERANCE) // slot)
        position = note.start % bar
        strong = any(abs(position - beat) < ONSET_TOLERANCE for beat in beats)
        if strong and index < len(chords):
            written, sounds = chords[index], sounding[index]
            if rubs(note.pitch, written, sounds):
                steps = [note.pitch + step for step in (-1, 1, -2, 2, -3, 3)]
                tones = [
                    p
                    for p in steps
                    if p % 12 in sounds.pitch_classes and not rubs(p, written, sounds)
                ]
                if tones:
                    note = replace(note, pitch=tones[0])
        fitted.append(note)
    return fitted


class Arranger:
    """Builds one song; its random choices come from the song's seed, so a song can be rebuilt."""

    def __init__(self, blend: Blend, key: Key, tempo: int, meter: str, seed: int):
        self.blend, self.style, self.tempo, self.seed = blend, blend.spec, tempo, seed
        # The tune's meter, as a time signature ("C" is 4/4); an unreadable one plays as 4/4.
        self.signature = fraction_parts(meter) or (4, 4)
        self.meter = "/".join(map(str, self.signature))
        # The style's progressions are read in the tune's key, or its relative key of the
        # style's mode (a major tune in a minor style: its relative minor).
        self.tonic, self.mode = key_scale(key, self.style.harmony.mode)
        self.bar = 4 * self.signature[0] / self.signature[1]  # in quarters
        self.steps_per_bar = self.style.steps_per_bar
        self.step = self.bar / self.steps_per_bar  # quarters a step
        self.rng = random.Random(f"arrange {blend.name} {seed}")
        self.tracks: dict[str, list[tuple[float, float, int, int]]] = {}

    # --- notes ----

    def add(self, role: str, start: float, length: float, pitch: int, velocity: int) -> None:
        if 0 <= pitch <= 127 and length > 0:
            self.tracks.setdefault(role, []).append((start, length, pitch, velocity))

    def add_steps(self, role: str, notes: list[PartNote], start_bar: int) -> None:
        origin = start_bar * self.bar
        for note in notes:
            self.add(
                role,
                origin + note.start * self.step,
                note.length * self.step,
                note.pitch,
                note.velocity,
            )

    # --- harmony ----

    def tune_chords(
        self, melody: list[MelodyNote], solo: list[MelodyNote], tune_bars: int
    ) -> tuple[list[Chord], float]:
        """A chord per slot of the tune, fitting the lead and, on the strong beats, the solo
        that is played over the same chords."""
        harmony = self.style.harmony
        chord_bars = harmony.chord_bars
        slots = chord_slots(melody, tune_bars, self.bar, chord_bars)
        beats = self.strong_beats()
        chords = choose_chords(
            slots,
            strong_slots(melody + solo, len(slots), self.bar, chord_bars, beats),
            harmony.progressions,
            self.tonic,
            self.mode,
            harmony.fit,
            harmony.sevenths,
            self.seed,
        )
        return chords, chord_bars

    def section_spans(
        self, section: Section, chords: list[Chord], chord_bars: float, first_bar: int
    ) -> list[ChordSpan]:
        """Chord spans (in steps from the section's start): the tune's chords from bar
        `first_bar` of the tune, looped; an ending closes on V then I."""
        slot_steps = max(1, round(chord_bars * self.steps_per_bar))
        total = section.bars * self.steps_per_bar
        count = math.ceil(total / slot_steps)
        first_slot = int(first_bar / chord_bars)
        sequence = [chords[(first_slot + i) % len(chords)] for i in range(count + 1)]
        if section.name == "ending":
            dominant, tonic = self.closing_chords()
            sequence = [dominant] * max(0, count - 1) + [tonic] * 2
        spans = []
        for index in range(count):
            start = index * slot_steps
            steps = min(slot_steps, total - start)
            spans.append(ChordSpan(start, steps, sequence[index], sequence[index + 1]))
        return spans

    # --- sections ----

    def melody_section(
        self, section: Section, melody: list[MelodyNote], halves: tuple[int, int], shift: int
    ) -> None:
        half = MELODY_HALF.get(section.name)
        if "melody" not in section.roles or half is None:
            return
        first = 0 if half == "A" or not halves[1] else halves[0]
        length_bars = halves[0] if half == "A" or not halves[1] else halves[1]
        source_start, source_end = first * self.bar, (first + length_bars) * self.bar
        origin = section.start_bar * self.bar
        span = section.bars * self.bar
        scale = 0.8 + 0.3 * section.energy
        double = self.style.melody.octave_double and section.last_of_kind and half == "B"
        anticipate = self.style.melody.anticipate
        loop = 0.0
        while loop < span:
            for note in melody:
                pickup = half == "A" and note.start < 0 and loop == 0 and origin + note.start >= 0
                if not (source_start <= note.start < source_end) and not pickup:
                    continue
                at = note.start - source_start + loop
                if at >= span:
                    continue
                length = min(note.length, span - at)
                on_beat = abs(at - round(at)) < 1e-6 and round(at) % round(self.bar) != 0
                if anticipate and on_beat and self.rng.random() < anticipate:
                    at -= self.step  # pushed a step early, as a singer or horn would
                    length += self.step
                velocity = max(1, min(127, round(note.velocity * scale)))
                self.add("melody", origin + at, length, note.pitch + shift, velocity)
                if double:
                    self.add(
                        "melody",
                        origin + at,
                        length,
                        note.pitch + shift + 12,
                        round(velocity * 0.7),
                    )
            loop += length_bars * self.bar or span

    def parts_section(self, section: Section, spans: list[ChordSpan]) -> None:
        scale = scale_of(self.tonic, self.mode)
        for role, part in self.style.parts.items():
            if role not in section.roles:
                continue
            rhythm = part.rhythm_in(section.name)
            notes = part_notes(
                role, part, rhythm, spans, section.energy, scale, self.style.steps_per_beat
            )
            self.add_steps(role, notes, section.start_bar)

    @property
    def beat(self) -> float:
        """A counted beat of the tune's meter, in quarters (a dotted quarter in 6/8)."""
        top, bottom = self.signature
        return 1.5 if bottom == 8 and top % 3 == 0 else 4 / bottom

    def lead_context(self) -> LeadContext:
        return LeadContext(
            bar=self.bar,
            beat=self.beat,
            tonic=self.tonic,
            mode=self.mode,
            simplify=self.style.melody.simplify,
            rng=random.Random(f"lead {self.blend.name} {self.seed}"),
        )

    def strong_beats(self) -> list[float]:
        """Where the strong beats of the tune's bar fall, in quarters: the first and the middle
        of an even bar (4/4: 1 and 3; 6/8: both dotted quarters), the first of an odd one."""
        beats = round(self.bar / self.beat)
        return [0.0, self.beat * beats / 2] if beats % 2 == 0 and beats > 1 else [0.0]

    def closing_chords(self) -> tuple[Chord, Chord]:
        harmony = self.style.harmony
        return closing_chords(harmony.progressions, self.tonic, self.mode, harmony.sevenths)

    def final_chord(self, end_bar: int, last: Section) -> None:
        """The song's last chord, rung by every pitched role still playing, each as loud as it
        plays in the last section (a lullaby's harp does not end on a thump)."""
        tonic = self.closing_chords()[1]
        start, length = end_bar * self.bar, ENDING_HOLD_BARS * self.bar
        for role, part in self.style.parts.items():
            if role not in last.roles:
                continue
            octave = part.octave
            velocity = energy_velocity(part.velocity, last.energy)
            if role == "bass":
                self.add(role, start, length, 12 * (octave + 1) + tonic.root, velocity)
            else:
                for pitch in voiced(tonic, "pad", 12 * (octave + 1) + 6, frozenset()):
                    self.add(role, start, length, pitch, velocity)
        if "melody" in last.roles and "melody" in self.tracks:
            _, _, pitch, velocity = max(self.tracks["melody"], key=lambda n: n[0])
            pitch += ((tonic.root - pitch + 6) % 12) - 6
            self.add("melody", start, length, pitch, velocity)

    # --- the whole song ----

    def arrange(self, melody: list[MelodyNote]) -> SongArrangement:
        tune_quarters = max(n.start + n.length for n in melody)
        tune_bars = max(1, math.ceil(tune_quarters / self.bar - 1e-6))
        bar_seconds = self.bar * 60.0 / self.tempo
        sections = lay_out(self.style.form, tune_bars, bar_seconds)
        halves = tune_halves(tune_bars)
        # The intro is pushed back a bar when a pickup would fall before the song's start.
        lead = 1 if min(n.start for n in melody) < 0 and sections[0].name != "intro" else 0
        sections = [
            Section(s.name, s.start_bar + lead, s.bars, s.roles, s.energy, s.last_of_kind)
            for s in sections
        ]
        # The style's lead is made from the tune; the chords and the register follow the lead.
        context = self.lead_context()
        melody = lead_line(melody, self.style.melody.idiom, context)
        solo = solo_line(melody, context)
        chords, chord_bars = self.tune_chords(melody, solo, tune_bars)
        beats = self.strong_beats()
        # A seventh the comp adds rubs as hard as a written one (a B over a D7 voicing's C).
        voicings = [p.voicing for p in self.style.parts.values() if isinstance(p, ChordPart)]
        scale = scale_of(self.tonic, self.mode)
        sounding = [heard(chord, voicings, scale) for chord in chords]
        melody = resolved(melody, chords, sounding, self.bar, chord_bars, beats)
        solo = resolved(solo, chords, sounding, self.bar, chord_bars, beats)
        shift = register_shift(melody, self.style.melody.register)
        grooves = self.style.drums
        drum_notes: list[PartNote] = []
        for index, section in enumerate(sections):
            half = MELODY_HALF.get(section.name, "A")
            first_bar = halves[0] if half == "B" and halves[1] else 0
            spans = self.section_spans(section, chords, chord_bars, first_bar)
            self.parts_section(section, spans)
            lead = solo if section.name == "solo" and solo else melody
            self.melody_section(section, lead, halves, shift)
            drum_notes += section_drums(
                grooves, section, self.steps_per_bar, index == 0, self.style.feel.crash
            )
        end_bar = sections[-1].end_bar
        self.final_chord(end_bar, sections[-1])
        self.keep_under_the_lead()
        self.keep_above_the_bass()
        lift_bar = self.lift(sections)
        if drum_notes and "drums" in sections[-1].roles and self.style.feel.crash:
            drum_notes.append(PartNote(end_bar * self.steps_per_bar, 1, temporary.CRASH_NOTE, 115))
            drum_notes.append(
                PartNote(end_bar * self.steps_per_bar, 1, temporary.DRUM_VOICES["kick"], 110)
            )
        self.add_steps("drums", drum_notes, 0)
        score = self.score()
        summary = {
            "style": self.blend.name,
            "arranged_as": self.blend.arranged_as(),
            "tempo": self.tempo,
            "meter": self.meter,
            "kit": self.style.kit,
            "swing": self.style.feel.swing,
            "form": [
                {"section": s.name, "bars": s.bars, "energy": s.energy, "start_bar": s.start_bar}
                for s in sections
            ],
            "chords": [c.name for c in chords],
            "roles": sorted(self.tracks),
            "effects": effect_names(self.style.effects),
        }
        if lift_bar is not None:
            summary["key_change"] = {"bar": lift_bar, "semitones": self.style.form.lift}
        return SongArrangement(score, sections, self.tempo, self.bar, summary)

    def keep_under_the_lead(self) -> None:
        """Held chords leave the lead on top: a chord note at or above the lowest lead note
        sounding with it goes down an octave, as long as that keeps it above the bass note
        under it and at or over temporary.CHORD_FLOOR (lower, a chord muddies). One that cannot
        is left out if another note of its chord plays its pitch class, else it stays: a chord
        keeps every tone it has (the jazz shell its seventh, the melody's note its company)."""
        melody = sorted(self.tracks.get("melody", []))
        if not melody:
            return
        starts = [note[0] for note in melody]
        longest = max(note[1] for note in melody)
        bass = sorted(self.tracks.get("bass", []))
        bass_starts = [note[0] for note in bass]

        def placed(at: float, length: float, pitch: int) -> tuple[int, bool]:
            """The pitch as far under the lead as it may go, and whether that is under it."""
            first, last = bisect_left(starts, at - longest), bisect_left(starts, at + length)
            lead = [p for s, n, p, _ in melody[first:last] if s + n > at + 1e-9]
            if not lead:
                return pitch, True
            floor = temporary.CHORD_FLOOR
            under = bisect_right(bass_starts, at + 1e-9) - 1
            if under >= 0 and bass[under][0] + bass[under][1] > at:
                floor = max(floor, bass[under][2] + 3)
            while pitch >= min(lead) and pitch - 12 >= floor:
                pitch -= 12
            return pitch, pitch < min(lead)

        for role, part in self.style.parts.items():
            if role == "bass" or role not in self.tracks or not VOICINGS[part.voicing].under_lead:
                continue
            hits: dict[float, list[tuple]] = {}
            for note in self.tracks[role]:
                hits.setdefault(note[0], []).append(note)
            kept: dict[tuple, None] = {}  # in order, without the doubles a move makes
            for at, notes in hits.items():
                moved = [(note, *placed(at, note[1], note[2])) for note in notes]
                classes = [pitch % 12 for _, pitch, under in moved if under]
                for (_, length, _, velocity), pitch, under in moved:
                    if under or pitch % 12 not in classes:
                        kept[(at, length, pitch, velocity)] = None
                        classes.append(pitch % 12)
            self.tracks[role] = list(kept)

    def keep_above_the_bass(self) -> None:
        """Chord parts that ask for it stay above the bass: a note at or a tone above the bass
        note sounding when it starts goes up an octave, so a low comp never muddies the bass."""
        bass = sorted(self.tracks.get("bass", []))
        starts = [note[0] for note in bass]
        for role, part in self.style.parts.items():
            if role == "bass" or not part.above_bass or role not in self.tracks:
                continue
            moved: dict[tuple, None] = {}  # in order, without the doubles a move makes
            for at, length, pitch, velocity in self.tracks[role]:
                under = bisect_right(starts, at + 1e-9) - 1
                if under >= 0 and bass[under][0] + bass[under][1] > at:
                    while pitch <= bass[under][2] + 2 and pitch + 12 <= 127:
                        pitch += 12
                moved[(at, length, pitch, velocity)] = None
            self.tracks[role] = list(moved)

    def lift(self, sections: list[Section]) -> int | None:
        """A last chorus that follows a chorus goes up the style's lift in semitones, and the
        ending with it, every pitched part: the second time it lifts instead of repeating. Notes
        held into it from the chorus before stop where it starts. Returns its bar (None: none)."""
        semitones = self.style.form.lift
        chorus = next((s for s in reversed(sections) if s.name == "B" and s.last_of_kind), None)
        index = sections.index(chorus) if chorus else 0
        if not semitones or index == 0 or sections[index - 1].name != "B":
            return None
        start = chorus.start_bar * self.bar - 1e-9
        for role, notes in self.tracks.items():
            if role != "drums":
                self.tracks[role] = [
                    (at, length, pitch + semitones, velocity)
                    if at >= start
                    else (at, min(length, start - at), pitch, velocity)
                    for at, length, pitch, velocity in notes
                    if at < start or pitch + semitones <= 127
                ]
        return chorus.start_bar

    # --- timing: swing and the human touch ----

    def swung(self, quarters: float) -> float:
        ratio = self.style.feel.swing
        if ratio <= 0.5:
            return quarters
        pair = 1.0 if self.style.feel.swing_unit == 8 else 0.5
        base, position = divmod(quarters, pair)
        half = pair / 2
        if position <= half:
            position = position * ratio * pair / half
        else:
            position = ratio * pair + (position - half) * (1 - ratio) * pair / half
        return base * pair + position

    def score(self) -> symusic.Score:
        score = symusic.Score(TPQ)
        score.tempos.append(symusic.Tempo(0, float(self.tempo)))
        score.time_signatures.append(symusic.TimeSignature(0, *self.signature))
        human = self.style.feel.humanize
        jitter = human * HUMAN_TIMING_MS / 1000 * self.tempo / 60  # in quarters
        human_rng = random.Random(f"human {self.blend.name} {self.seed}")
        programs = {role: part.program for role, part in self.style.parts.items()}
        programs["melody"] = self.style.melody.program
        for role in sorted(self.tracks):
            is_drum = role == "drums"
            program = temporary.DRUM_KITS[self.style.kit] if is_drum else programs.get(role, 0)
            track = symusic.Track(role, program, is_drum)
            for start, length, pitch, velocity in sorted(self.tracks[role]):
                on, off = self.swung(start), self.swung(start + length)
                if jitter:
                    on = max(0.0, on + human_rng.gauss(0, jitter))
                    velocity = round(velocity + human_rng.gauss(0, human * HUMAN_VELOCITY))
                ticks = max(1, round((off - on) * TPQ)) if not is_drum else TPQ // 8
                track.notes.append(
                    symusic.Note(round(on * TPQ), ticks, pitch, max(1, min(127, velocity)))
                )
            score.tracks.append(track)
        return score


def effect_names(effects: Effects) -> dict[str, list[str]]:
    """{"bass": ["ladder", "compressor"], "master": [...]}: the chains a song went through."""
    chains = dict(effects.tracks)
    if effects.master is not None:
        chains["master"] = effects.master
    return {role: [effect["type"] for effect in chain] for role, chain in chains.items()}


def arrange_song(
    melody_midi: bytes,
    blend: Blend,
    key: Key,
    tempo: int,
    meter: str,
    seed: int,
    pickup_quarters: float = 0.0,
) -> SongArrangement:
    """The song for a tune rendered alone by abc2midi (`melody_midi`)."""
    melody = melody_from_midi(melody_midi, pickup_quarters)
    return Arranger(blend, key, tempo, meter, seed).arrange(melody)
