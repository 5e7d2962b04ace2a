"""Styles → an arrangement: tempo, meter, instruments, chords and bass, drums (abc2midi %%MIDI)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from scripts import temporary
from scripts.abc_analysis import LETTER_PC, LETTERS, Key, TuneStats
from scripts.abc_notation import AbcTune, Token

# Candidate chords score a little extra so that ties go to the tonic, then the dominant.
DEGREE_PRIOR = {0: 0.3, 4: 0.2, 3: 0.1}


@dataclass(frozen=True)
class Arrangement:
    styles: tuple[str, ...]
    tempo: int  # quarter notes per minute
    meter: str
    mode: str
    melody: int
    chords: int | None
    bass: int | None
    drums: str | None
    gchord: str
    rhythm: str  # the R: field: a tune type the model knows

    def key_for(self, seed: int) -> str:
        """A key of the arrangement's mode, chosen by the song's seed."""
        return random.Random(seed).choice(temporary.KEYS_BY_MODE[self.mode])


def parse_styles(text: str) -> tuple[str, ...]:
    """'Chill,  dubstep ,' → ('Chill', 'dubstep')."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def matching_styles(style: str) -> list[dict]:
    lowered = style.lower()
    return [
        entry
        for entry in temporary.STYLE_MAP.values()
        if any(word in lowered for word in entry["keywords"])
    ]


def arrange(styles: tuple[str, ...]) -> Arrangement:
    """Merge what the styles ask for: tempo is their average, other traits come from the first
    style that sets them; unknown styles fall back to temporary.DEFAULT_STYLE."""
    matched = [entry for style in styles for entry in matching_styles(style)]
    if not matched:
        matched = [temporary.DEFAULT_STYLE]
    first = matched[0]
    # A meter-defining style (jig, waltz) wins over the 4/4 every other style assumes.
    shaping = next((m for m in matched if m["meter"] != "4/4"), first)
    tempo = round(sum(m["tempo"] for m in matched) / len(matched))
    drums = next((m["drums"] for m in matched if m["drums"]), None)
    return Arrangement(
        styles,
        tempo,
        shaping["meter"],
        first["mode"],
        first["melody"],
        first["chords"],
        first["bass"],
        drums,
        first["gchord"],
        shaping["rhythm"],
    )


# --- Harmony ----


def scale_letters(key: Key) -> list[tuple[str, int]]:
    """The seven (letter, pitch class) of the key's scale, starting on its tonic."""
    start = LETTERS.index(key.tonic[0])
    signature = key.signature
    return [
        (
            LETTERS[(start + i) % 7],
            (LETTER_PC[LETTERS[(start + i) % 7]] + signature.get(LETTERS[(start + i) % 7], 0)) % 12,
        )
        for i in range(7)
    ]


def diatonic_triads(key: Key) -> list[tuple[int, str, int, set[int]]]:
    """(degree, chord name, root, pitch classes) for each major or minor triad in the key."""
    scale = scale_letters(key)
    triads = []
    for degree in range(7):
        root_letter, root = scale[degree]
        third, fifth = scale[(degree + 2) % 7][1], scale[(degree + 4) % 7][1]
        intervals = ((third - root) % 12, (fifth - root) % 12)
        if intervals not in ((4, 7), (3, 7)):
            continue  # skip the diminished triad
        accidental = {1: "#", -1: "b"}.get(key.signature.get(root_letter, 0), "")
        name = root_letter + accidental + ("m" if intervals[0] == 3 else "")
        triads.append((degree, name, root, {root, third, fifth}))
    return triads


def choose_chord(notes, triads, previous: str | None) -> str | None:
    """The triad that covers most of the bar's sounding time; ties keep the previous chord."""
    if not notes:
        return previous
    best, best_score = None, -1.0
    for degree, name, root, pitch_classes in triads:
        score = DEGREE_PRIOR.get(degree, 0.0) + (0.05 if name == previous else 0.0)
        for note in notes:
            pc = note.pitch % 12
            if pc in pitch_classes:
                score += float(note.units) * (1.5 if pc == root else 1.0)
        if score > best_score:
            best, best_score = name, score
    return best


def harmonize(tune: AbcTune, stats: TuneStats) -> int:
    """Put a chord symbol at the start of every bar of a tune that has none. Returns how many."""
    if any(t.kind == "chord_symbol" for t in tune.tokens):
        return 0
    triads = diatonic_triads(stats.key)
    inserts: list[tuple[int, str]] = []
    previous = None
    for bar in stats.bars:
        chord = choose_chord(bar.notes, triads, previous)
        if bar.first_timed is not None and chord and chord != previous:
            inserts.append((bar.first_timed, chord))
        previous = chord
    for index, chord in reversed(inserts):
        tune.tokens.insert(index, Token("chord_symbol", f'"{chord}"'))
    return len(inserts)


# --- abc2midi directives ----


def drum_directives(arrangement: Arrangement) -> list[str]:
    if not arrangement.drums:
        return []
    pattern, notes, velocities = temporary.DRUM_PATTERNS_BY_METER.get(
        arrangement.meter, temporary.DRUM_PATTERNS[arrangement.drums]
    )
    numbers = " ".join(str(n) for n in (*notes, *velocities))
    return [f"%%MIDI drum {pattern} {numbers}", "%%MIDI drumon"]


def directives(arrangement: Arrangement, tune_meter: str) -> tuple[str, ...]:
    """%%MIDI lines for the arrangement. Drum and chord patterns are written for the style's
    meter, so they are left out when the tune is in another one."""
    lines = [f"%%MIDI program {arrangement.melody}"]
    same_meter = tune_meter.replace(" ", "") == arrangement.meter
    if arrangement.chords is not None:
        lines += [f"%%MIDI chordprog {arrangement.chords}", "%%MIDI chordvol 55"]
        if same_meter:
            lines.append(f"%%MIDI gchord {arrangement.gchord}")
    if arrangement.bass is not None:
        lines += [f"%%MIDI bassprog {arrangement.bass}", "%%MIDI bassvol 70"]
    if arrangement.chords is None and arrangement.bass is None:
        lines.append("%%MIDI gchordoff")
    if same_meter:
        lines += drum_directives(arrangement)
    return tuple(lines)
