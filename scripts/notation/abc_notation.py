"""ABC notation: find tunes in whatever a model wrote, tokenize them and repair what is repairable.

Model output is messy: prose around the tune, code fences, several tunes, missing header fields,
tokens separated by spaces ("c 2 | B A"), truncated last bars. Everything here is pure text work;
durations and validation live in abc_analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction


class AbcError(ValueError):
    """A text holds no usable tune; the message says why."""


# Header fields kept from the model's header; the rest (source, notes, history) carry no music.
KEPT_HEADER_FIELDS = ("X", "T", "M", "L", "Q", "R", "C", "K")
# Fields allowed to change mid-tune; written back as inline fields.
INLINE_FIELDS = ("M", "L", "K", "Q")
FIELD_LINE_RE = re.compile(r"^([A-Za-z]):(.*)$")
FENCE_RE = re.compile(r"^\s*(```|~~~)")
MAX_NOTE_UNITS = 32  # a note longer than this many units is garbage, not music
MIN_NOTE_UNITS = Fraction(1, 64)
MAX_STRAY_SHARE = 0.05  # characters a music line may hold that are not ABC
MAX_LEN_DIGITS = 3  # "c9999999": the digits past this become separate tokens and are dropped

_LEN = rf"\d{{0,{MAX_LEN_DIGITS}}}/*\d{{0,{MAX_LEN_DIGITS}}}"
TOKEN_RE = re.compile(
    rf"""
     (?P<chord_symbol>"[^"\n]{{0,40}}")
    |(?P<decoration>![^!\n]{{0,30}}!|\+[^+\n]{{0,30}}\+)
    |(?P<field>\[[A-Za-z]:[^\]\n]{{0,60}}\])
    |(?P<bar>:*(?:\[\||\|\]|\|\||\|)(?:\d(?:[,-]\d)*)?:*|::|\[\d(?:[,-]\d)*)
    |(?P<chord>\[(?:[\^=_]{{0,2}}[A-Ga-g][,']*{_LEN})+\]{_LEN})
    |(?P<note>[\^=_]{{0,2}}[A-Ga-g][,']*{_LEN})
    |(?P<rest>[zxZX]{_LEN})
    |(?P<tuplet>\(\d(?::\d?){{0,2}})
    |(?P<slur>[()])
    |(?P<tie>-)
    |(?P<broken>[<>]{{1,3}})
    |(?P<grace>\{{[^}}\n]{{0,40}}\}})
    |(?P<short_decoration>[~.HLMOPSTuv])
    |(?P<length>\d{{1,{MAX_LEN_DIGITS}}}/*\d{{0,{MAX_LEN_DIGITS}}}|/+\d{{0,{MAX_LEN_DIGITS}}})
    |(?P<space>[ \t]+)
    |(?P<other>.)
    """,
    re.VERBOSE,
)
# Token kinds that sound or take time.
TIMED_KINDS = ("note", "rest", "chord")
CHORD_NAME_RE = re.compile(r"^[A-G][#b]?(?:m|min|maj|dim|aug|sus|add|[0-9+#b()])*(?:/[A-G][#b]?)?$")
# Characters a line of tune body may hold once quoted text, decorations and fields are removed.
BODY_CHARS = set("ABCDEFGabcdefgzxZX^_=,'0123456789/|:[](){}-<>.~ \tHLMOPSTuv\\")


@dataclass
class Token:
    kind: str
    text: str


@dataclass
class RawTune:
    """A block of text that looks like one tune: its header lines and its body lines."""

    number: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: list[str] = field(default_factory=list)


@dataclass
class AbcTune:
    """A repaired tune: ordered header fields, body tokens and what was repaired."""

    headers: dict[str, str]
    tokens: list[Token]
    repairs: list[str] = field(default_factory=list)
    ended_mid_bar: bool = False  # the text stopped inside a bar: maybe cut off by the token budget

    @property
    def title(self) -> str:
        return self.headers.get("T", "")

    def to_text(self, directives: tuple[str, ...] = (), bars_per_line: int = 4) -> str:
        """The tune as ABC text; `directives` (%%MIDI lines) go right after the K: line."""
        head = [f"{name}:{value}" for name, value in self.headers.items() if name != "K"]
        head.append(f"K:{self.headers['K']}")
        return "\n".join([*head, *directives, *body_lines(self.tokens, bars_per_line)]) + "\n"


def body_lines(tokens: list[Token], bars_per_line: int) -> list[str]:
    """Join tokens into lines of a few bars each, with spaces only around bar lines."""
    lines, current, bars = [], [], 0
    for token in tokens:
        if token.kind == "bar":
            current.append(f" {token.text} ")
            bars += 1
            if bars % bars_per_line == 0:
                lines.append("".join(current).strip())
                current = []
        else:
            current.append(token.text)
    if "".join(current).strip():
        lines.append("".join(current).strip())
    return lines


def parse_length(text: str) -> Fraction:
    """A note-length suffix in units: '' → 1, '2' → 2, '/' → 1/2, '//' → 1/4, '3/2' → 3/2."""
    match = re.fullmatch(r"(\d*)(/*)(\d*)", text)
    if not match:
        return Fraction(1)
    numerator = int(match.group(1)) if match.group(1) else 1
    slashes = len(match.group(2))
    if not slashes:
        return Fraction(numerator)
    denominator = int(match.group(3)) if match.group(3) else 2**slashes
    return Fraction(numerator, max(denominator, 1))


def fix_length(token: Token) -> Token | None:
    """A note, rest or chord with an absurd length (a model's garbage, or a divisor abc2midi
    rejects: not a power of two) loses the length."""
    match = re.search(r"[\d/]*$", token.text)
    divisor = re.search(r"/(\d+)$", match.group())
    power_of_two = divisor is None or int(divisor.group(1)) & (int(divisor.group(1)) - 1) == 0
    if power_of_two and MIN_NOTE_UNITS <= parse_length(match.group()) <= MAX_NOTE_UNITS:
        return None
    return Token(token.kind, token.text[: match.start()])


def length_text(token: Token) -> str:
    return re.search(r"[\d/]*$", token.text).group()


def drop_unequal_broken_rhythms(tokens: list[Token]) -> list[Token]:
    """abc2midi only applies 'a>b' between notes of equal written length; elsewhere it errs."""
    kept = []
    for index, token in enumerate(tokens):
        if token.kind == "broken":
            before = tokens[index - 1] if index else None
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            if not (
                before
                and after
                and before.kind in TIMED_KINDS
                and after.kind in TIMED_KINDS
                and length_text(before) == length_text(after)
            ):
                continue
        kept.append(token)
    return kept


# --- Finding tunes ----


def strip_body_extras(line: str) -> str:
    """The line without comments, quoted text, decorations and inline fields."""
    line = line.split("%", 1)[0]
    line = re.sub(r'"[^"]*"', "", line)
    line = re.sub(r"![^!]*!|\[[A-Za-z]:[^\]]*\]", "", line)
    return line


def is_music_line(line: str, in_tune: bool) -> bool:
    """Whether a line reads as tune body. Outside a tune a bar line is required, so that a prose
    sentence made only of the letters a-g is not taken for music."""
    core = strip_body_extras(line)
    if not re.search(r"[A-Ga-g]", core):
        return False
    strays = sum(1 for char in core if char not in BODY_CHARS)
    if strays == 0:
        return in_tune or "|" in core
    # A long line of bars with a stray letter or two is music with typos; repair drops them.
    return core.count("|") >= 2 and strays <= len(core) * MAX_STRAY_SHARE


def extract_tunes(text: str) -> list[RawTune]:
    """Every block that looks like a tune: header fields and/or music lines, ended by a blank line,
    prose, or the next X: field. Raises AbcError when there is none."""
    tunes: list[RawTune] = []
    current: RawTune | None = None

    def close() -> None:
        nonlocal current
        if current is not None and current.body:
            tunes.append(current)
        current = None

    for raw_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw_line.strip()
        if FENCE_RE.match(line) or not line:
            close()
            continue
        if line.startswith("%"):
            continue
        match = FIELD_LINE_RE.match(line)
        if match:
            name, value = match.group(1), match.group(2).strip()
            if name == "X" or (current is not None and current.body and name == "T"):
                close()
            if current is None:
                current = RawTune(number=len(tunes) + 1)
            if current.body:
                current.body.append(f"[{name}:{value}]" if name in INLINE_FIELDS else "")
            else:
                current.headers.append((name, value))
            continue
        if is_music_line(line, in_tune=current is not None):
            if current is None:
                current = RawTune(number=len(tunes) + 1)
            current.body.append(line)
        else:
            close()
    close()
    if not tunes:
        raise AbcError("no ABC tune found in the text")
    for number, tune in enumerate(tunes, start=1):
        tune.number = number
    return tunes


# --- Tokens ----


def tokenize(body: str) -> list[Token]:
    return [Token(m.lastgroup or "other", m.group()) for m in TOKEN_RE.finditer(body)]


def join_spaced_lengths(tokens: list[Token]) -> tuple[list[Token], int]:
    """'c 2' and 'B /2' (lengths written apart from their note, as folk-rnn does) → 'c2', 'B/2'."""
    out: list[Token] = []
    joined = 0
    for token in tokens:
        if token.kind == "space":
            continue
        if token.kind == "length" and out and out[-1].kind in TIMED_KINDS:
            out[-1] = Token(out[-1].kind, out[-1].text + token.text)
            joined += 1
            continue
        out.append(token)
    return out, joined


def canonical_bar(text: str) -> str:
    """One spelling per kind of bar line, the one abc2midi reads without guessing."""
    ending = re.search(r"\d(?:[,-]\d)*", text)
    number = ending.group() if ending else ""
    starts = text.endswith(":")
    ends = text.startswith(":")
    if starts and ends:
        return "::"
    if ends:
        return ":|" + number
    if starts:
        return "|:"
    if text.startswith("["):
        return ("[" + number) if number else "[|"
    core = text.rstrip("0123456789,-")
    return core + number


def clean_tokens(tokens: list[Token]) -> tuple[list[Token], list[str]]:
    """Keep what makes music; drop what abc2midi would stumble on. Returns tokens and repairs."""
    kept: list[Token] = []
    dropped = absurd = 0
    for token in tokens:
        if token.kind in ("other", "length", "decoration", "short_decoration", "slur"):
            dropped += token.kind in ("other", "length")
            continue
        if token.kind == "chord_symbol" and not CHORD_NAME_RE.match(token.text.strip('"')):
            continue
        if token.kind in TIMED_KINDS and (fixed := fix_length(token)):
            token = fixed
            absurd += 1
        if token.kind == "bar":
            token = Token("bar", canonical_bar(token.text))
            if kept and kept[-1].kind == "bar" and token.text == kept[-1].text == "|":
                continue
        kept.append(token)
    repairs = [f"dropped {dropped} characters that are not ABC music"] if dropped else []
    if absurd:
        repairs.append(f"removed {absurd} absurd note lengths")
    return kept, repairs


def trim_tail(tokens: list[Token]) -> list[Token]:
    """Drop what cannot end a tune: dangling ties, tuplet marks, broken-rhythm marks, symbols."""
    while tokens and tokens[-1].kind not in (*TIMED_KINDS, "bar"):
        tokens = tokens[:-1]
    return tokens


def body_tokens(raw: RawTune) -> tuple[list[Token], list[str]]:
    """Tokenize and clean a raw tune's body."""
    tokens = tokenize(" ".join(line.split("%", 1)[0] for line in raw.body if line))
    tokens, joined = join_spaced_lengths(tokens)
    tokens, repairs = clean_tokens(tokens)
    tokens = drop_unequal_broken_rhythms(tokens)
    if joined:
        repairs.insert(0, f"joined {joined} note lengths written apart from their notes")
    return trim_tail(tokens), repairs


def merge_headers(raw: RawTune, defaults: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The tune's header fields in ABC order (X first, K last), missing ones from `defaults`."""
    given: dict[str, str] = {}
    for name, value in raw.headers:
        if name in KEPT_HEADER_FIELDS and value and name not in given:
            given[name] = value
    missing = [name for name in ("X", "T", "M", "L", "K") if name not in given]
    headers = {name: given.get(name, defaults.get(name, "")) for name in KEPT_HEADER_FIELDS}
    if "L" not in given:  # ABC's own default unit, which tunes without L: are written in
        headers["L"] = default_unit(headers.get("M", "4/4"))
    headers = {name: value for name, value in headers.items() if value}
    repairs = [f"added missing {', '.join(n + ':' for n in missing)}"] if missing else []
    return headers, repairs


def default_unit(meter: str) -> str:
    """ABC 2.1: with no L: field the unit is 1/16 for meters below 3/4, else 1/8."""
    match = re.match(r"\s*(\d+)\s*/\s*(\d+)", meter)
    if meter.strip() in ("C", "C|"):
        return "1/8"
    if match and int(match.group(2)) and int(match.group(1)) / int(match.group(2)) < 0.75:
        return "1/16"
    return "1/8"


def repair(raw: RawTune, defaults: dict[str, str]) -> AbcTune:
    """A RawTune made into a clean AbcTune. Header defaults fill missing fields (X, T, M, L, K, Q).
    Raises AbcError when nothing playable is left."""
    headers, repairs = merge_headers(raw, defaults)
    tokens, body_repairs = body_tokens(raw)
    repairs += body_repairs
    if not any(t.kind in ("note", "chord") for t in tokens):
        raise AbcError("the tune has no notes")
    ended_mid_bar = tokens[-1].kind != "bar"
    if ended_mid_bar:
        tokens.append(Token("bar", "|]"))
    elif tokens[-1].text in ("|", "||"):
        tokens[-1] = Token("bar", "|]")
    return AbcTune(headers, tokens, repairs, ended_mid_bar)
