"""What a tune holds: keys, note lengths, bars, pitches, play length; and whether it is usable.

This is an independent reading of the ABC (it does not ask abc2midi), so the tests can compare the
length we expect with the length of the audio we render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from scripts.notation.abc_notation import AbcError, AbcTune, Token, parse_length

LETTERS = "CDEFGAB"
LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
LETTER_FIFTHS = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}
# Mode → how many fifths its signature lies below the major key on the same tonic.
MODE_FIFTHS = {
    "maj": 0,
    "ion": 0,
    "": 0,
    "mix": -1,
    "dor": -2,
    "m": -3,
    "min": -3,
    "aeo": -3,
    "phr": -4,
    "loc": -5,
    "lyd": 1,
}
SHARP_ORDER = "FCGDAEB"
FLAT_ORDER = "BEADGCF"
# Tuplet (p: p notes in the time of q); ABC 2.1's default q for each p.
TUPLET_Q = {2: 3, 3: 2, 4: 3, 6: 2, 8: 3}
MAX_TUNE_SECONDS = 15 * 60
MIN_DISTINCT_PITCHES = 3
FIRST_ENDING_RE = re.compile(r"1(?![\d,-])")
SECOND_ENDING_RE = re.compile(r"2(?![\d,-])")


@dataclass(frozen=True)
class Key:
    tonic: str  # letter with optional # or b, e.g. "F#"
    mode: str  # canonical: maj, min, dor, mix, phr, lyd, loc
    fifths: int  # signature: >0 sharps, <0 flats

    @property
    def signature(self) -> dict[str, int]:
        """Accidental (+1/-1) per letter implied by the key."""
        if self.fifths >= 0:
            return {letter: 1 for letter in SHARP_ORDER[: self.fifths]}
        return {letter: -1 for letter in FLAT_ORDER[: -self.fifths]}


def parse_key(value: str) -> Key:
    """K: field → Key. Highland pipe keys and 'none' read as C major; unreadable ones raise."""
    text = value.strip()
    if not text or text.lower().startswith(("none", "hp")):
        return Key("C", "maj", 0)
    match = re.match(r"([A-Ga-g])([#b]?)\s*([A-Za-z]*)", text)
    if not match:
        raise AbcError(f"unreadable key {value!r}")
    letter, accidental, mode_text = match.group(1).upper(), match.group(2), match.group(3).lower()
    mode = "m" if mode_text == "m" else mode_text[:3]
    if mode not in MODE_FIFTHS:
        mode = ""  # "K:G clef=treble" and the like: the extra word is not a mode
    fifths = LETTER_FIFTHS[letter] + {"#": 7, "b": -7, "": 0}[accidental] + MODE_FIFTHS[mode]
    if not -7 <= fifths <= 7:
        raise AbcError(f"key {value!r} has more than seven sharps or flats")
    canonical = {"": "maj", "ion": "maj", "m": "min", "aeo": "min"}.get(mode, mode)
    return Key(letter + accidental, canonical, fifths)


def fraction_parts(text: str) -> tuple[int, int] | None:
    """'6/8' → (6, 8) as written (a time signature is not reduced), 'C' → (4, 4), 'C|' → (2, 2);
    None when unreadable."""
    text = text.strip()
    if text in ("C", "C|"):
        return (4, 4) if text == "C" else (2, 2)
    match = re.match(r"(\d{1,3})\s*/\s*(\d{1,3})", text)
    if not match or int(match.group(2)) == 0 or int(match.group(1)) == 0:
        return None
    return int(match.group(1)), int(match.group(2))


def parse_fraction(text: str, default: Fraction) -> Fraction:
    """'6/8' → 6/8, 'C' → 4/4, 'C|' → 2/2; anything unreadable → default."""
    parts = fraction_parts(text)
    return Fraction(*parts) if parts else default


def parse_tempo(value: str) -> float | None:
    """Q: field → quarter notes per minute, or None when unreadable."""
    match = re.search(r"(?:(\d+)/(\d+)\s*=\s*)?(\d{1,3})\s*$", value.strip().strip('"'))
    if not match:
        return None
    beat = Fraction(int(match.group(1)), int(match.group(2))) if match.group(1) else Fraction(1, 4)
    if beat <= 0:
        return None
    return float(int(match.group(3)) * beat / Fraction(1, 4))


NOTE_RE = re.compile(r"([\^=_]*)([A-Ga-g])([,']*)(.*)")


@dataclass
class Note:
    pitch: int  # MIDI number
    units: Fraction  # written length in units of L:


@dataclass
class Bar:
    duration: Fraction = Fraction(0)  # in whole notes
    notes: list[Note] = field(default_factory=list)
    first_timed: int | None = None  # index of its first note/rest/chord token
    closing: str = ""  # the bar line that ends it
    meter: Fraction = Fraction(1)


@dataclass
class TuneStats:
    bars: list[Bar]
    key: Key
    meter: Fraction
    unit: Fraction
    play_whole_notes: Fraction  # with repeats expanded

    @property
    def pitches(self) -> set[int]:
        return {note.pitch for bar in self.bars for note in bar.notes}

    def seconds(self, quarter_bpm: float) -> float:
        return float(self.play_whole_notes * 4) * 60.0 / quarter_bpm

    @property
    def full_bars(self) -> int:
        return sum(1 for bar in self.bars if bar.duration > 0)

    def bars_matching_meter(self) -> int:
        return sum(1 for bar in self.bars if bar.duration == bar.meter)

    def bars_in_meter(self) -> int:
        """Bars that fill the meter, plus short bars at a section's edge: the pickup before a
        section and the last bar before a repeat or double bar, which together make one bar."""
        count = 0
        for index, bar in enumerate(self.bars):
            before = self.bars[index - 1].closing if index else "|:"
            at_edge = bar.closing != "|" or before != "|" or index == len(self.bars) - 1
            count += bar.duration == bar.meter or (at_edge and 0 < bar.duration < bar.meter)
        return count


class BarReader:
    """Walks tokens once, keeping the state ABC makes durations depend on."""

    def __init__(self, tune: AbcTune):
        self.key = parse_key(tune.headers.get("K", "C"))
        self.meter = parse_fraction(tune.headers.get("M", "4/4"), Fraction(1))
        self.unit = parse_fraction(tune.headers.get("L", "1/8"), Fraction(1, 8))
        self.bars: list[Bar] = [Bar(meter=self.meter)]
        self.bar_accidentals: dict[tuple[str, int], int] = {}
        self.tuplet_left = 0
        self.tuplet_factor = Fraction(1)
        self.broken_next = Fraction(1)
        self.last_units: tuple[int, Fraction] | None = None  # (bar index, units) of the last note

    def pitch(self, note_text: str) -> int:
        match = NOTE_RE.match(note_text)
        accidental, letter, octave = match.group(1), match.group(2), match.group(3)
        upper = letter.upper()
        octave_shift = (1 if letter.islower() else 0) + octave.count("'") - octave.count(",")
        slot = (upper, octave_shift)
        if accidental:
            alter = accidental.count("^") - accidental.count("_")
            self.bar_accidentals[slot] = alter
        else:
            alter = self.bar_accidentals.get(slot, self.key.signature.get(upper, 0))
        return 60 + 12 * octave_shift + LETTER_PC[upper] + alter

    def add_time(self, units: Fraction, index: int) -> Fraction:
        """Length of a timed token in whole notes, after tuplets and broken rhythm."""
        factor = self.broken_next
        self.broken_next = Fraction(1)
        if self.tuplet_left:
            factor *= self.tuplet_factor
            self.tuplet_left -= 1
        bar = self.bars[-1]
        if bar.first_timed is None:
            bar.first_timed = index
        whole = units * factor * self.unit
        bar.duration += whole
        self.last_units = (len(self.bars) - 1, whole)
        return whole

    def broken(self, text: str) -> None:
        """'a>b' lengthens a by half (>> by three quarters) and shortens b to match."""
        if self.last_units is None:
            return
        share = {1: Fraction(1, 2), 2: Fraction(3, 4), 3: Fraction(7, 8)}[len(text)]
        first, second = (1 + share, 1 - share) if text[0] == ">" else (1 - share, 1 + share)
        bar_index, whole = self.last_units
        self.bars[bar_index].duration += whole * (first - 1)
        self.broken_next = second

    def tuplet(self, text: str) -> None:
        parts = [int(p) if p else 0 for p in text[1:].split(":")] + [0, 0]
        p = parts[0]
        q = parts[1] or TUPLET_Q.get(p, 2)
        r = parts[2] or p
        if p < 2:
            return
        self.tuplet_factor = Fraction(q, p)
        self.tuplet_left = r

    def inline_field(self, text: str) -> None:
        name, value = text[1], text[3:-1]
        if name == "M":
            self.meter = parse_fraction(value, self.meter)
            self.bars[-1].meter = self.meter
        elif name == "L":
            self.unit = parse_fraction(value, self.unit)
        elif name == "K":
            try:
                self.key = parse_key(value)
            except AbcError:
                pass  # keep the current key: an odd mid-tune key change is not fatal

    def close_bar(self, bar_text: str) -> None:
        self.bars[-1].closing = bar_text
        self.bar_accidentals = {}
        self.bars.append(Bar(meter=self.meter))

    def read(self, tokens: list[Token]) -> list[Bar]:
        for index, token in enumerate(tokens):
            kind, text = token.kind, token.text
            if kind == "note":
                units = parse_length(NOTE_RE.match(text).group(4))
                self.add_time(units, index)
                self.bars[-1].notes.append(Note(self.pitch(text), units))
            elif kind == "chord":
                inner, _, suffix = text[1:].partition("]")
                notes = re.findall(r"[\^=_]*[A-Ga-g][,']*[\d/]*", inner)
                first = parse_length(NOTE_RE.match(notes[0]).group(4))
                self.add_time(first * parse_length(suffix), index)
                for note in notes:
                    self.bars[-1].notes.append(Note(self.pitch(note), first))
            elif kind == "rest":
                units = parse_length(text[1:])
                if text[0] in "ZX":  # multi-measure rest: its number counts bars
                    units = units * self.meter / self.unit
                self.add_time(units, index)
            elif kind == "tuplet":
                self.tuplet(text)
            elif kind == "broken":
                self.broken(text)
            elif kind == "field":
                self.inline_field(text)
            elif kind == "bar":
                self.close_bar(text)
        if self.bars[-1].duration == 0:
            self.bars.pop()
        return self.bars


def expanded_length(bars: list[Bar]) -> Fraction:
    """Whole notes played with repeats: each |: ... :| section plays twice, a first ending
    (|1 ... :|) once. A :| with no |: repeats from the start, or from the last double bar."""
    total = Fraction(0)
    section_start = 0
    first_ending_start: int | None = None
    for index, bar in enumerate(bars):
        total += bar.duration
        closing = bar.closing
        next_bar_starts_first_ending = FIRST_ENDING_RE.search(closing) is not None
        if closing.startswith(":") or closing == "::":
            repeat_end = first_ending_start if first_ending_start is not None else index + 1
            total += sum((b.duration for b in bars[section_start:repeat_end]), Fraction(0))
            section_start = index + 1
            first_ending_start = None
        if closing.endswith(":") or closing in ("||", "|]", "[|"):
            section_start = index + 1
        if next_bar_starts_first_ending and not closing.startswith(":"):
            first_ending_start = index + 1
    return total


def analyse(tune: AbcTune) -> TuneStats:
    reader = BarReader(tune)
    key, meter, unit = reader.key, reader.meter, reader.unit  # the header's, before any change
    bars = reader.read(tune.tokens)
    return TuneStats(bars, key, meter, unit, expanded_length(bars))


def drop_cut_off_bar(tune: AbcTune) -> AbcTune:
    """When the text stopped inside a bar (a model out of tokens), drop that unfinished bar."""
    if not tune.ended_mid_bar:
        return tune
    bars = BarReader(tune).read(tune.tokens)
    if len(bars) < 2 or bars[-1].duration >= bars[-1].meter or bars[-1].first_timed is None:
        return tune
    tokens = tune.tokens[: bars[-1].first_timed]
    if tokens and tokens[-1].text == "|":
        tokens[-1] = Token("bar", "|]")
    tune.tokens = tokens
    tune.repairs.append("dropped an unfinished last bar")
    tune.ended_mid_bar = False
    return tune


METER_RE = re.compile(r"^(C\|?|\d{1,2}/\d{1,2})$")
UNIT_RE = re.compile(r"^1/(1|2|4|8|16|32|64)$")


def fix_header_values(tune: AbcTune, defaults: dict[str, str]) -> AbcTune:
    """Replace an unreadable K:, M: or L: (a model's garbage) with the default."""
    checks = {
        "M": lambda v: METER_RE.match(v.replace(" ", "")) and parse_fraction(v, Fraction(0)) > 0,
        "L": lambda v: UNIT_RE.match(v.replace(" ", "")),
        "K": lambda v: parse_key(v),
    }
    for name, check in checks.items():
        value = tune.headers.get(name, "")
        try:
            if check(value):
                continue
        except AbcError:
            pass
        tune.headers[name] = defaults.get(name) or {"M": "4/4", "L": "1/8", "K": "C"}[name]
        tune.repairs.append(f"replaced the unreadable {name}:{value}")
    return tune


def infer_unit(tune: AbcTune) -> AbcTune:
    """A tune written without L: may assume 1/8 where ABC's rule says 1/16 (folk-rnn's 2/4 tunes
    do): keep the unit under which most bars fill their meter."""
    if "L:" not in " ".join(tune.repairs):
        return tune
    default = tune.headers["L"]

    def fitting_bars(unit: str) -> int:
        trial = AbcTune({**tune.headers, "L": unit}, tune.tokens)
        try:
            return analyse(trial).bars_matching_meter()
        except AbcError:
            return -1

    best = max(("1/8", "1/16", "1/4"), key=lambda unit: (fitting_bars(unit), unit == default))
    if best != default:
        tune.headers["L"] = best
        tune.repairs.append(f"took L:{best}, the unit that fills the bars")
    return tune


def bar_positions(tokens: list[Token]) -> list[int]:
    return [i for i, token in enumerate(tokens) if token.kind == "bar"]


def mark_repeat_after_second_ending(tune: AbcTune) -> AbcTune:
    """'|1 A :|2 B | C D :|' leaves open where the last repeat starts; abc2midi guesses, often
    wrongly. A second ending lasts as long as the first, so the repeat starts right after it."""
    bars = bar_positions(tune.tokens)
    texts = [tune.tokens[position].text for position in bars]
    first_ending_bars = 1
    for order, text in enumerate(texts):
        if FIRST_ENDING_RE.search(text) and not text.startswith(":"):
            close = next((o for o in range(order + 1, len(texts)) if texts[o][0] == ":"), None)
            first_ending_bars = close - order if close else 1
        if not SECOND_ENDING_RE.search(text):
            continue
        after = order + first_ending_bars  # the bar line that ends the second ending
        if after >= len(texts) or texts[after] not in ("|", "||"):
            continue
        next_repeat = next((t for t in texts[after + 1 :] if ":" in t), "")
        if next_repeat.startswith(":") and next_repeat != "::":
            tune.tokens[bars[after]] = Token("bar", "|:")
            tune.repairs.append("marked where the repeat after a second ending starts")
    return tune


def validate(stats: TuneStats, quarter_bpm: float, min_bars: int) -> None:
    """Raise AbcError saying why a tune is not worth rendering."""
    if stats.full_bars < min_bars:
        raise AbcError(f"only {stats.full_bars} bars (at least {min_bars} needed)")
    distinct = len(stats.pitches)
    if distinct < MIN_DISTINCT_PITCHES:
        raise AbcError(f"only {distinct} different notes: not a melody")
    if stats.seconds(quarter_bpm) > MAX_TUNE_SECONDS:
        raise AbcError(f"plays {stats.seconds(quarter_bpm) / 60:.0f} minutes: too long")
