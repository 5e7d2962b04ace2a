"""The style library: one JSON file per style (data/styles/README.md), checked when it is loaded.

A file with a mistake is skipped and reported in one line (which file, what is wrong); the rest of
the library loads. A user's styles folder is read after the shipped one, and a style there with a
shipped style's name replaces it.
"""

from __future__ import annotations

import copy
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scripts import temporary
from scripts.input_files import InputFileError, read_json

NAME_RE = re.compile(r"^[a-z0-9_]+$")
NUMERAL_RE = re.compile(
    r"^(?P<accidental>[b#]?)(?P<degree>VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)"
    r"(?P<suffix>maj7|m7|7|9|6|sus4|sus2|dim|aug|)$"
)
MELODY_RHYTHMS = ("", "reel", "jig", "hornpipe", "polka", "waltz", "march", "strathspey")
MELODY_RHYTHMS += ("slide", "air", "slip jig", "barndance", "mazurka", "schottische")


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


def pattern_steps(pattern: str) -> str:
    """A step pattern without its reading aids ("x...|x..." → "x...x...")."""
    return "".join(c for c in pattern if c not in temporary.STEP_SEPARATORS)


def numeral(value, where: str):
    if not NUMERAL_RE.match(of_type(value, str, where, "a Roman numeral")):
        fail(where, f"{value!r} is not a chord numeral like I, vi, bVII, V7, ii7, IVmaj7")
    return value


# --- The schema of a style --------------------------------------------------------------------


def style_schema(steps_per_bar: int) -> Callable:
    """The checks for a whole style, with step patterns of `steps_per_bar` steps a bar."""

    def steps(value, where: str):
        steps_only = pattern_steps(of_type(value, str, where, "a step pattern"))
        wrong = sorted(set(steps_only) - set("Xxo.-"))
        if wrong:
            fail(where, f"{''.join(wrong)!r} is not a step (use X x o - .)")
        if not steps_only or len(steps_only) % steps_per_bar:
            fail(where, f"has {len(steps_only)} steps: a bar here is {steps_per_bar}")
        return value

    groove = mapping(one_of(temporary.DRUM_VOICES), steps)
    part_common = {"program": number(0, 127, True), "rhythm": steps}
    part_extra = {
        "octave": number(0, 6, True),
        "velocity": number(1, 127, True),
        "gate": number(0.1, 1.0),
        "rhythms": mapping(one_of(temporary.SECTIONS), steps),
    }
    bass = fields({**part_common, "pattern": one_of(temporary.BASS_PATTERNS)}, part_extra)
    other = fields({**part_common, "voicing": one_of(temporary.VOICINGS)}, part_extra)

    def parts(value, where: str):
        mapping(one_of(temporary.PART_ROLES), lambda v, w: None)(value, where)
        for role, part in value.items():
            (bass if role == "bass" else other)(part, f"{where}.{role}")
        return value

    def drums(value, where: str):
        mapping(one_of(temporary.GROOVES), groove)(value, where)
        if value and "main" not in value:
            fail(where, "has grooves but no 'main' groove")
        return value

    section = fields({"roles": list_of(one_of(temporary.ROLES)), "energy": number(0, 1)})

    def form(value, where: str):
        bar_fields = {name: number(1, 16, True) for name in temporary.SECTION_BAR_FIELDS}
        fields(
            {
                "plan": list_of(one_of(temporary.SECTIONS), 1),
                "seconds": pair(number(*temporary.STYLE_SECONDS_RANGE)),
                "sections": mapping(one_of(temporary.SECTIONS), section),
            },
            bar_fields,
        )(value, where)
        if "A" not in value["plan"]:
            fail(f"{where}.plan", "must play the tune: it has no 'A'")
        missing = [name for name in value["plan"] if name not in value["sections"]]
        if missing:
            fail(f"{where}.sections", f"says nothing of {', '.join(dict.fromkeys(missing))}")
        return value

    return fields(
        {
            "name": lambda v, w: NAME_RE.match(text(v, w)) or fail(w, "must be a-z, 0-9 and _"),
            "label": text,
            "synonyms": list_of(text),
            "words": list_of(text),
            "tempo": pair(number(*temporary.STYLE_TEMPO_RANGE, True)),
            "meter": one_of(temporary.STYLE_METERS),
            "steps_per_beat": number(2, 6, True),
            "feel": fields(
                {"swing": number(0.5, 0.75)},
                {
                    "swing_unit": one_of((8, 16)),
                    "half_time": boolean,
                    "humanize": number(0, 1),
                    "crash": boolean,
                },
            ),
            "kit": one_of(temporary.DRUM_KITS),
            "drums": drums,
            "parts": parts,
            "melody": fields(
                {
                    "program": number(0, 127, True),
                    "rhythm": one_of(MELODY_RHYTHMS),
                    "lengths": list_of(one_of(temporary.MELODY_LENGTHS), 1),
                    "register": pair(number(24, 108, True)),
                },
                {
                    "rests": boolean,
                    "broken": boolean,
                    "triplets": boolean,
                    "anticipate": number(0, 1),
                    "octave_double": boolean,
                    "idiom": one_of(temporary.LEAD_IDIOMS),
                    "simplify": number(0, 1),
                },
            ),
            "harmony": fields(
                {
                    "mode": one_of(("major", "minor")),
                    "progressions": list_of(list_of(numeral, 1), 1),
                    "chord_bars": one_of(temporary.CHORD_BARS),
                },
                {"fit": number(0, 1), "sevenths": number(0, 1)},
            ),
            "form": form,
            "effects": effects_check,
        },
        {
            "about": text,
            "mastering": fields(
                {},
                {
                    "lufs": number(*temporary.LUFS_RANGE),
                    "section_db": number(*temporary.SECTION_DB_RANGE),
                    "balance": mapping(one_of(temporary.ROLES), number(*temporary.BALANCE_RANGE)),
                },
            ),
            "variants": list_of(
                fields(
                    {
                        "names": list_of(text, 1),
                        "overrides": lambda v, w: of_type(v, dict, w, "an object"),
                    }
                )
            ),
        },
    )


def effects_check(value, where: str):
    """The chains' shape here; each effect's own parameters are checked by audio/effects.py."""
    from scripts.audio.effects import effect_problems

    chain = list_of(lambda v, w: of_type(v, dict, w, "an effect object"))
    fields({}, {"tracks": mapping(one_of(temporary.ROLES), chain), "master": chain})(value, where)
    problems = effect_problems(value)
    if problems:
        fail(where, problems[0])
    return value


def bar_steps(data: dict) -> int:
    meter = data.get("meter", "4/4")
    beats = int(meter.split("/")[0]) if isinstance(meter, str) and "/" in meter else 4
    steps = data.get("steps_per_beat", 4)
    return beats * (steps if isinstance(steps, int) and not isinstance(steps, bool) else 4)


def check(data) -> dict:
    """The style if it follows the format; StyleError (one line) if not. Variants are checked
    merged over the style."""
    if not isinstance(data, dict):
        raise StyleError(f"a style file holds one JSON object, not {type(data).__name__}")
    style_schema(bar_steps(data))(data, "")
    for index, variant in enumerate(data.get("variants", [])):
        merged = merge(data, variant["overrides"])
        try:
            style_schema(bar_steps(merged))(merged, "")
        except StyleError as error:
            raise StyleError(f"variants[{index}] ({variant['names'][0]}): {error}") from None
    return data


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


# --- Styles and the library ---------------------------------------------------------------------


class StyleData:
    """Read access to a style's `data` (a style, or a blend of styles)."""

    data: dict

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def label(self) -> str:
        return self.data["label"]

    def __getitem__(self, key: str):
        return self.data[key]

    @property
    def mastering(self) -> dict:
        """The style's loudness target, section levels and balance, defaults filled in."""
        own = self.data.get("mastering", {})
        balance = {**temporary.ROLE_BALANCE_LU, **own.get("balance", {})}
        return {**temporary.MASTERING_DEFAULTS, **own, "balance": balance}


@dataclass(frozen=True)
class Style(StyleData):
    """A checked style: its data as in the file (data/styles/README.md) and where it came from."""

    data: dict
    source: str

    def variant(self, name: str) -> Style:
        """The style as a variant of it plays it ('jig' of folk: 6/8)."""
        for variant in self.data.get("variants", []):
            if name in (n.lower() for n in variant["names"]):
                return Style(merge(self.data, variant["overrides"]), self.source)
        return self

    def names(self) -> list[str]:
        """Everything a user may type for this style, variants included."""
        names = [self.name.replace("_", " "), self.label, *self.data["synonyms"]]
        return names + [n for v in self.data.get("variants", []) for n in v["names"]]


@dataclass
class StyleLibrary:
    styles: dict[str, Style] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # one line per file that was skipped

    def __contains__(self, name: str) -> bool:
        return name in self.styles

    def __getitem__(self, name: str) -> Style:
        return self.styles[name]

    def names(self) -> list[str]:
        return sorted(self.styles)


def read_style(path: Path) -> Style:
    try:
        data = read_json(path)
    except InputFileError as error:
        raise StyleError(str(error)) from None
    style = Style(check(data), str(path))
    if style.name != path.stem:
        raise StyleError(f"its name {style.name!r} differs from the file name {path.stem!r}")
    return style


def load_folder(folder: Path, library: StyleLibrary) -> None:
    try:
        paths = sorted(folder.glob(f"*{temporary.STYLE_FILE_SUFFIX}"))
    except OSError as error:
        library.problems.append(f"{folder}: cannot be read: {error.strerror or error}")
        return
    for path in paths:
        try:
            style = read_style(path)
        except StyleError as error:
            library.problems.append(f"{path.name}: {error} (skipped)")
            continue
        library.styles[style.name] = style


def load_library(user_folder: Path | None = None) -> StyleLibrary:
    """The shipped styles, then the user's (which may replace them by name)."""
    library = StyleLibrary()
    load_folder(temporary.STYLES_DIR, library)
    # realpath, not Path.resolve: that raises on a folder that is a symbolic link loop
    if user_folder is not None and os.path.realpath(user_folder) != os.path.realpath(
        temporary.STYLES_DIR
    ):
        try:
            is_folder = stat.S_ISDIR(user_folder.stat().st_mode)
        except FileNotFoundError:
            is_folder = None  # not made yet: the user has no styles of their own
        except OSError as error:
            is_folder = None
            library.problems.append(
                f"{user_folder}: the styles folder cannot be read: {error.strerror or error}"
            )
        if is_folder:
            load_folder(user_folder, library)
        elif is_folder is False:
            library.problems.append(f"{user_folder}: the styles folder is not a folder")
    if temporary.FALLBACK_STYLE not in library.styles and library.styles:
        library.problems.append(
            f"no style named {temporary.FALLBACK_STYLE!r}: unknown styles play as "
            f"{min(library.styles)}"
        )
    return library
