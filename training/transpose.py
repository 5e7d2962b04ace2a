"""Transposing a normalized ABC tune, for data augmentation: every note, chord, grace note, chord
symbol and key moves by the same interval, spelled in the new key (accidentals written only where
the new key signature and the bar's earlier accidentals do not already give them)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.notation.abc_analysis import parse_key  # noqa: E402
from scripts.notation.abc_notation import AbcError, tokenize  # noqa: E402

NATURAL = (0, 2, 4, 5, 7, 9, 11)  # semitones of C D E F G A B
LETTERS = "CDEFGAB"
ACCIDENTALS = {"^^": 2, "^": 1, "=": 0, "_": -1, "__": -2}
SPELLING = {2: "^^", 1: "^", 0: "=", -1: "_", -2: "__"}
SYMBOL_SPELLING = {1: "#", 0: "", -1: "b"}
NOTE_RE = re.compile(r"(\^\^|\^|=|__|_)?([A-Ga-g])([,']*)(.*)", re.S)
SYMBOL_ROOT_RE = re.compile(r"([A-G])([#b]?)")
# (letter steps, semitones): the intervals tunes are moved by
INTERVALS = (
    (1, 2),
    (-1, -2),
    (1, 1),
    (-1, -1),
    (2, 3),
    (-2, -3),
    (2, 4),
    (-2, -4),
    (3, 5),
    (-3, -5),
)
MAX_FIFTHS = 4  # keys with more sharps or flats than this are rare in the music the app writes
LOWEST, HIGHEST = 48, 96  # MIDI range a transposed melody must stay in


class Unplayable(ValueError):
    """The transposition needs a triple accidental, an exotic key or leaves the range."""


def moved(step: int, semitone: int, interval: tuple[int, int]) -> tuple[int, int]:
    """(diatonic step, semitone) moved by the interval → (new step, alteration needed)."""
    new_step, new_semitone = step + interval[0], semitone + interval[1]
    alteration = new_semitone - (12 * (new_step // 7) + NATURAL[new_step % 7])
    if abs(alteration) > 2:
        raise Unplayable("triple accidental")
    return new_step, alteration


def transpose_key(value: str, interval: tuple[int, int]) -> str:
    key = parse_key(value)
    letter = LETTERS.index(key.tonic[0])
    semitone = NATURAL[letter] + {"#": 1, "b": -1, "": 0}[key.tonic[1:]]
    step, alteration = moved(letter, semitone, interval)
    if abs(alteration) > 1:
        raise Unplayable("double-sharp key")
    tonic = LETTERS[step % 7] + SYMBOL_SPELLING[alteration]
    suffix = {"maj": "", "min": "m"}.get(key.mode, key.mode)
    new = tonic + suffix
    if abs(parse_key(new).fifths) > MAX_FIFTHS:
        raise Unplayable("exotic key")
    return new


class Transposer:
    def __init__(self, key: str, interval: tuple[int, int]):
        self.interval = interval
        self.set_key(key)

    def set_key(self, key: str) -> str:
        new = transpose_key(key, self.interval)
        self.old_signature = parse_key(key).signature
        self.new_signature = parse_key(new).signature
        self.old_bar: dict[int, int] = {}
        self.new_bar: dict[int, int] = {}
        return new

    def new_bar_line(self) -> None:
        self.old_bar, self.new_bar = {}, {}

    def note(self, text: str) -> str:
        match = NOTE_RE.fullmatch(text)
        accidental, letter_text, marks, rest = match.groups()
        letter = LETTERS.index(letter_text.upper())
        octave = (letter_text.islower()) + marks.count("'") - marks.count(",")
        step = 7 * octave + letter
        if accidental:
            self.old_bar[step] = ACCIDENTALS[accidental]
        alteration = self.old_bar.get(step, self.old_signature.get(LETTERS[letter], 0))
        semitone = 12 * octave + NATURAL[letter] + alteration
        if not LOWEST <= semitone + 60 + self.interval[1] <= HIGHEST:
            raise Unplayable("out of range")
        new_step, new_alteration = moved(step, semitone, self.interval)
        new_letter = LETTERS[new_step % 7]
        expected = self.new_bar.get(new_step, self.new_signature.get(new_letter, 0))
        written = ""
        if accidental or new_alteration != expected:
            written = SPELLING[new_alteration]
            self.new_bar[new_step] = new_alteration
        new_octave = new_step // 7
        name = new_letter.lower() if new_octave >= 1 else new_letter
        marks = "'" * (new_octave - 1) if new_octave >= 1 else "," * -new_octave
        return written + name + marks + rest

    def notes_in(self, text: str) -> str:
        return re.sub(r"(\^\^|\^|=|__|_)?[A-Ga-g][,']*", lambda m: self.note(m.group()), text)

    def symbol(self, text: str) -> str:
        def root(match: re.Match) -> str:
            letter = LETTERS.index(match.group(1))
            semitone = NATURAL[letter] + {"#": 1, "b": -1, "": 0}[match.group(2)]
            step, alteration = moved(letter, semitone, self.interval)
            if abs(alteration) > 1:
                raise Unplayable("double-sharp chord")
            return LETTERS[step % 7] + SYMBOL_SPELLING[alteration]

        return SYMBOL_ROOT_RE.sub(root, text)

    def token(self, kind: str, text: str) -> str:
        if kind == "note":
            return self.note(text)
        if kind in ("chord", "grace"):
            return self.notes_in(text)
        if kind == "chord_symbol":
            return self.symbol(text)
        if kind == "bar":
            self.new_bar_line()
        if kind == "field" and text[1] == "K":
            return f"[K:{self.set_key(text[3:-1])}]"
        return text


def transpose(tune: str, interval: tuple[int, int]) -> str:
    """A normalized tune (header lines, K: last, then the body) moved by `interval`.
    Raises Unplayable when it cannot be written sensibly in the new key."""
    head, _, body = tune.partition("\nK:")
    key, _, body = body.partition("\n")
    try:
        transposer = Transposer(key, interval)
        new_key = transpose_key(key, interval)
        lines = [
            "".join(transposer.token(t.kind, t.text) for t in tokenize(line))
            for line in body.rstrip("\n").split("\n")
        ]
    except AbcError as error:
        raise Unplayable(str(error)) from None
    return f"{head}\nK:{new_key}\n" + "\n".join(lines) + "\n"
