"""The format of a style file (data/styles/README.md) as frozen dataclasses. Each field declares
its check and its default once, on the field: a field with no default is required. `check` holds a
file's data to them and gives the typed style with every default filled in; a mistake is a
StyleError of one line that says where and what."""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, field
from functools import partial

from scripts import temporary
from scripts.audio.effects import Effects, effect_problems
from scripts.style.harmony import NUMERAL_RE
from scripts.style.lead import IDIOMS
from scripts.style.parts import BASS_PATTERNS, VOICINGS
from scripts.style.steps import pattern_steps

NAME_RE = re.compile(r"^[a-z0-9_]+$")


class StyleError(ValueError):
    """A style file breaks the format; the message says where and what."""


# --- Checks: each takes (value, where) and raises StyleError naming `where` ----------------------


def fail(where: str, message: str):
    raise StyleError(f"{where}: {message}")


def of_type(value, kinds, where: str, what: str):
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        fail(where, f"must be {what}, not {value!r}")
    if not isinstance(value, kinds):
        fail(where, f"must be {what}, not {type(value).__name__}")
    return value


def number(low: float, high: float, whole: bool = False) -> Callable:
    def check(value, where: str):
        of_type(
            value, int if whole else (int, float), where, "a whole number" if whole else "a number"
        )
        if not low <= value <= high:
            fail(where, f"{value} is out of range {low:g}..{high:g}")
        return value

    return check


def boolean(value, where: str):
    return of_type(value, bool, where, "true or false")


def text(value, where: str):
    if not of_type(value, str, where, "text").strip():
        fail(where, "must not be empty")
    return value


def one_of(choices: Iterable) -> Callable:
    choices = tuple(choices)

    def check(value, where: str):
        if value not in choices:
            shown = ", ".join(repr(c) for c in choices[:12]) + (
                ", ..." if len(choices) > 12 else ""
            )
            fail(where, f"{value!r} is not one of {shown}")
        return value

    return check


def list_of(item: Callable, least: int = 0) -> Callable:
    def check(value, where: str):
        of_type(value, list, where, "a list")
        if len(value) < least:
            fail(where, f"needs at least {least} item{'s' if least > 1 else ''}")
        return [item(entry, f"{where}[{index}]") for index, entry in enumerate(value)]

    return check


def pair(item: Callable) -> Callable:
    def check(value, where: str):
        if not isinstance(value, list) or len(value) != 2:
            fail(where, "must be [low, high]")
        low, high = list_of(item)(value, where)
        if low > high:
            fail(where, f"low {low} is above high {high}")
        return value

    return check


def fields(required: dict, optional: dict | None = None) -> Callable:
    """An object with these keys (each with its check); any other key is a mistake."""
    optional = optional or {}

    def check(value, where: str):
        of_type(value, dict, where, "an object")
        for key in value:
            if key not in required and key not in optional:
                fail(f"{where}.{key}".lstrip("."), "is not a field of a style (a typo?)")
        for key in required:
            if key not in value:
                fail(where or "style", f"the field {key!r} is missing")
        for key, item in {**required, **optional}.items():
            if key in value:
                item(value[key], f"{where}.{key}".lstrip("."))
        return value

    return check


def mapping(keys: Callable, item: Callable) -> Callable:
    def check(value, where: str):
        of_type(value, dict, where, "an object")
        for key, entry in value.items():
            keys(key, f"{where} key")
            item(entry, f"{where}.{key}")
        return value

    return check


def numeral(value, where: str):
    if not NUMERAL_RE.match(of_type(value, str, where, "a Roman numeral")):
        fail(where, f"{value!r} is not a chord numeral like I, vi, bVII, V7, ii7, IVmaj7")
    return value


def style_name(value, where: str):
    return NAME_RE.match(text(value, where)) or fail(where, "must be a-z, 0-9 and _")


# --- Fields and records ------------------------------------------------------------------------


@dataclass(frozen=True)
class OfBar:
    """A check made from the check of a step pattern, whose length depends on the style's bar."""

    made: Callable[[Callable], Callable]


def entry(check, default=MISSING, make=None, factory=MISSING):
    """A field of a style file: its check, its default (none: required), and how the file's value
    becomes the field's (`make`; as it is when None)."""
    return field(default=default, default_factory=factory, metadata={"check": check, "make": make})


def record(cls, steps: Callable | None = None) -> Callable:
    """The check of an object read as a `cls`: its fields' checks, required where no default."""
    required, optional = {}, {}
    for item in dataclasses.fields(cls):
        check = item.metadata["check"]
        check = check.made(steps) if isinstance(check, OfBar) else check
        has_default = item.default is not MISSING or item.default_factory is not MISSING
        (optional if has_default else required)[item.name] = check
    return fields(required, optional)


def build(cls, value: dict):
    """The `cls` of a checked object: its values made typed, the defaults for what it lacks."""
    made = {}
    for item in dataclasses.fields(cls):
        if item.name in value:
            make = item.metadata["make"]
            made[item.name] = make(value[item.name]) if make else value[item.name]
    return cls(**made)


def records(cls) -> Callable:
    """`make` for an object of objects: each one a `cls`."""
    return lambda value: {key: build(cls, item) for key, item in value.items()}


# --- The schema of a style --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Feel:
    swing: float = entry(number(0.5, 0.75))
    swing_unit: int = entry(one_of((8, 16)), 8)
    humanize: float = entry(number(0, 1), 0.0)
    crash: bool = entry(boolean, True)


@dataclass(frozen=True, kw_only=True)
class Part:
    """An accompaniment part; `octave` is where its notes sit (a bass lower than the rest)."""

    program: int = entry(number(0, 127, True))
    rhythm: str = entry(OfBar(lambda steps: steps))
    octave: int = entry(number(0, 6, True), 4)
    velocity: int = entry(number(1, 127, True), 90)
    gate: float = entry(number(0.1, 1.0), 0.9)
    rhythms: Mapping[str, str] = entry(
        OfBar(lambda steps: mapping(one_of(temporary.SECTIONS), steps)), factory=dict
    )

    def rhythm_in(self, section: str) -> str:
        return self.rhythms.get(section, self.rhythm)


@dataclass(frozen=True, kw_only=True)
class BassPart(Part):
    pattern: str = entry(one_of(BASS_PATTERNS))
    octave: int = entry(number(0, 6, True), 2)


@dataclass(frozen=True, kw_only=True)
class ChordPart(Part):
    voicing: str = entry(one_of(VOICINGS))
    # true: a note at or a tone above the bass sounding under it goes up an octave (a low comp
    # that would sit on a walking bass)
    above_bass: bool = entry(boolean, False)


def part_kind(role: str) -> type[Part]:
    return BassPart if role == "bass" else ChordPart


def parts_check(steps: Callable) -> Callable:
    def check(value, where: str):
        mapping(one_of(temporary.PART_ROLES), lambda v, w: None)(value, where)
        for role, part in value.items():
            record(part_kind(role), steps)(part, f"{where}.{role}")
        return value

    return check


def parts_of(value: dict) -> dict[str, Part]:
    return {role: build(part_kind(role), part) for role, part in value.items()}


@dataclass(frozen=True, kw_only=True)
class Grooves:
    """A style's drum grooves (README, "Grooves"), each drum voice → step pattern; None where the
    style has no such groove, and all None for a style with no drums."""

    main: Mapping[str, str] | None = None
    variation: Mapping[str, str] | None = None
    fill: Mapping[str, str] | None = None
    intro: Mapping[str, str] | None = None
    ending: Mapping[str, str] | None = None
    build: Mapping[str, str] | None = None


def drums_check(steps: Callable) -> Callable:
    groove = mapping(one_of(temporary.DRUM_VOICES), steps)
    names = [item.name for item in dataclasses.fields(Grooves)]

    def check(value, where: str):
        mapping(one_of(names), groove)(value, where)
        if value and "main" not in value:
            fail(where, "has grooves but no 'main' groove")
        return value

    return check


@dataclass(frozen=True, kw_only=True)
class Melody:
    program: int = entry(number(0, 127, True))
    rhythm: str = entry(one_of(("", *temporary.TUNE_TYPES)))
    lengths: tuple[str, ...] = entry(list_of(one_of(temporary.MELODY_LENGTHS), 1), make=tuple)
    register: tuple[int, int] = entry(pair(number(24, 108, True)), make=tuple)
    rests: bool = entry(boolean, True)
    broken: bool = entry(boolean, True)
    triplets: bool = entry(boolean, True)
    anticipate: float = entry(number(0, 1), 0.0)
    octave_double: bool = entry(boolean, False)
    idiom: str = entry(one_of(IDIOMS), "tune")
    simplify: float = entry(number(0, 1), 0.5)  # the share of equal short pairs an idiom merges


@dataclass(frozen=True, kw_only=True)
class Harmony:
    mode: str = entry(one_of(("major", "minor")))
    progressions: tuple[tuple[str, ...], ...] = entry(
        list_of(list_of(numeral, 1), 1), make=lambda value: tuple(map(tuple, value))
    )
    chord_bars: float = entry(one_of(temporary.CHORD_BARS), make=float)
    fit: float = entry(number(0, 1), 0.5)
    sevenths: float = entry(number(0, 1), 0.0)


@dataclass(frozen=True, kw_only=True)
class SectionSpec:
    roles: tuple[str, ...] = entry(list_of(one_of(temporary.ROLES)), make=tuple)
    energy: float = entry(number(0, 1))


def form_check(value, where: str):
    record(Form)(value, where)
    if "A" not in value["plan"]:
        fail(f"{where}.plan", "must play the tune: it has no 'A'")
    missing = [name for name in value["plan"] if name not in value["sections"]]
    if missing:
        fail(f"{where}.sections", f"says nothing of {', '.join(dict.fromkeys(missing))}")
    return value


def bars(default: int):
    return entry(number(1, 16, True), default)


@dataclass(frozen=True, kw_only=True)
class Form:
    plan: tuple[str, ...] = entry(list_of(one_of(temporary.SECTIONS), 1), make=tuple)
    seconds: tuple[float, float] = entry(pair(number(*temporary.STYLE_SECONDS_RANGE)), make=tuple)
    sections: Mapping[str, SectionSpec] = entry(
        mapping(one_of(temporary.SECTIONS), record(SectionSpec)), make=records(SectionSpec)
    )
    intro_bars: int = bars(4)
    ending_bars: int = bars(2)
    breakdown_bars: int = bars(8)
    build_bars: int = bars(4)
    # Semitones up for a last chorus played twice in a row: the second one lifts (key change).
    lift: int = entry(number(0, 2, True), 0)

    def bars_of(self, name: str) -> int:
        """The length of an intro, ending, breakdown or build."""
        return getattr(self, f"{name}_bars")


@dataclass(frozen=True, kw_only=True)
class Mastering:
    lufs: float = entry(number(*temporary.LUFS_RANGE), temporary.DEFAULT_LUFS)
    section_db: float = entry(number(*temporary.SECTION_DB_RANGE), 6.0)
    low_band: tuple[float, float] = entry(
        pair(number(0, 100)), temporary.LOW_BAND_PERCENT, make=tuple
    )
    # roles left out keep temporary.ROLE_BALANCE_LU
    balance: Mapping[str, float] = entry(
        mapping(one_of(temporary.ROLES), number(*temporary.BALANCE_RANGE)),
        make=lambda value: {**temporary.ROLE_BALANCE_LU, **value},
        factory=lambda: dict(temporary.ROLE_BALANCE_LU),
    )


def effects_check(value, where: str):
    """The chains' shape here; each effect's own parameters are checked by audio/effects.py."""
    chain = list_of(lambda v, w: of_type(v, dict, w, "an effect object"))
    fields({}, {"tracks": mapping(one_of(temporary.ROLES), chain), "master": chain})(value, where)
    problems = effect_problems(value)
    if problems:
        fail(where, problems[0])
    return value


@dataclass(frozen=True, kw_only=True)
class Variant:
    names: tuple[str, ...] = entry(list_of(text, 1), make=tuple)
    overrides: Mapping = entry(lambda v, w: of_type(v, dict, w, "an object"))


@dataclass(frozen=True, kw_only=True)
class StyleSpec:
    """A style as the arranger reads it (its effects' parameters are audio/effects.py's to
    default)."""

    name: str = entry(style_name)
    label: str = entry(text)
    synonyms: tuple[str, ...] = entry(list_of(text), make=tuple)
    words: tuple[str, ...] = entry(list_of(text), make=tuple)
    tempo: tuple[int, int] = entry(pair(number(*temporary.TEMPO_RANGE, True)), make=tuple)
    meter: str = entry(one_of(temporary.STYLE_METERS))
    steps_per_beat: int = entry(number(2, 6, True))
    feel: Feel = entry(record(Feel), make=partial(build, Feel))
    kit: str = entry(one_of(temporary.DRUM_KITS))
    drums: Grooves = entry(OfBar(drums_check), make=lambda value: Grooves(**value))
    parts: Mapping[str, Part] = entry(OfBar(parts_check), make=parts_of)
    melody: Melody = entry(record(Melody), make=partial(build, Melody))
    harmony: Harmony = entry(record(Harmony), make=partial(build, Harmony))
    form: Form = entry(form_check, make=partial(build, Form))
    effects: Effects = entry(effects_check, make=Effects.of)
    about: str = entry(text, "")
    mastering: Mastering = entry(
        record(Mastering), make=partial(build, Mastering), factory=Mastering
    )
    variants: tuple[Variant, ...] = entry(
        list_of(record(Variant)), (), make=lambda value: tuple(build(Variant, v) for v in value)
    )

    @property
    def steps_per_bar(self) -> int:
        return int(self.meter.split("/")[0]) * self.steps_per_beat


def bar_steps(data: dict) -> int:
    """Steps a bar of a style file that may be wrong (4/4 with 4 a beat where it is)."""
    meter = data.get("meter", "4/4")
    beats = int(meter.split("/")[0]) if isinstance(meter, str) and "/" in meter else 4
    steps = data.get("steps_per_beat", 4)
    return beats * (steps if isinstance(steps, int) and not isinstance(steps, bool) else 4)


def step_check(steps_per_bar: int) -> Callable:
    """The check of a step pattern of `steps_per_bar` steps a bar."""

    def steps(value, where: str):
        steps_only = pattern_steps(of_type(value, str, where, "a step pattern"))
        wrong = sorted(set(steps_only) - set("Xxo.-"))
        if wrong:
            fail(where, f"{''.join(wrong)!r} is not a step (use X x o - .)")
        if not steps_only or len(steps_only) % steps_per_bar:
            fail(where, f"has {len(steps_only)} steps: a bar here is {steps_per_bar}")
        return value

    return steps


def merge(base: dict, overrides: dict) -> dict:
    """`overrides` over `base`: objects merge key by key, anything else is replaced."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    merged.pop("variants", None)  # a variant has no variants of its own
    return merged


def check(data) -> StyleSpec:
    """The typed style if `data` follows the format; StyleError (one line) if not. Variants are
    checked merged over the style."""
    if not isinstance(data, dict):
        raise StyleError(f"a style file holds one JSON object, not {type(data).__name__}")
    record(StyleSpec, step_check(bar_steps(data)))(data, "")
    for index, variant in enumerate(data.get("variants", [])):
        merged = merge(data, variant["overrides"])
        try:
            record(StyleSpec, step_check(bar_steps(merged)))(merged, "")
        except StyleError as error:
            raise StyleError(f"variants[{index}] ({variant['names'][0]}): {error}") from None
    return build(StyleSpec, data)
