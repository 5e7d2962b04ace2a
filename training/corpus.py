"""The training corpus: music21's folk-tune ABC collections, normalized one tune per example.

Each tune is put through the app's own repair (notation/abc_notation.py), so the model learns
the canonical text the app writes and reads back: header fields X, R, M, L, Q, T, K in that
order (T just before K so that the app can ask for a title after the style fields and then force
the key), four bars per line, no decorations, fingerings, slurs, comments or words, chord
symbols kept. Tunes whose bars mostly disagree with their meter are left out.

Collections (see data/starter-model.md for their terms): Ryan's Mammoth (1883), O'Neill's Music
of Ireland (1903), Aird's Selection of Airs (1782-97) and Bruce & Stokoe's Northumbrian Minstrelsy
(1882), all out of copyright, transcribed by John Chambers, Michael Hogan and Jack Campin and
distributed with music21. The Essen collection is left out: it is licensed for non-commercial use
only.
"""

from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts.notation import abc_analysis  # noqa: E402
from scripts.notation.abc_notation import AbcError, extract_tunes, repair  # noqa: E402

COLLECTIONS = ("ryansMammoth", "oneills1850", "airdsAirs", "miscFolk")
HEADER_ORDER = ("X", "R", "M", "L", "Q", "T", "K")
VALIDATION_SHARE = 0.05
SPLIT_SEED = 20261121  # the default training seed: train.py splits with its --seed
MIN_BARS = 8
MIN_METER_SHARE = 0.9  # of bars: a slip or two is allowed, chaos is not
MAX_CHARS = 1400  # a tune longer than this is a medley or a suite, not one tune
METER_WORDS = {"C": "4/4", "C|": "2/2"}
TITLE_SUFFIX_RE = re.compile(r"\s*-+\s*(JIG|REEL|HORNPIPE|POLKA|WALTZ|MARCH|STRATHSPEY|CLOG)\b.*$")


@dataclass(frozen=True)
class Split:
    train: list[str]
    validation: list[str]


def corpus_root() -> Path:
    import music21  # training only: not a runtime dependency of the app

    return Path(music21.__file__).parent / "corpus"


def collection_files(root: Path) -> list[Path]:
    return sorted(path for name in COLLECTIONS for path in (root / name).rglob("*.abc"))


def clean_title(title: str) -> str:
    """'LANIGAN'S BALL -- JIG' → "Lanigan's Ball"; 'Swaggering Jig, The' → 'The Swaggering Jig'."""
    title = " ".join(title.split()).rstrip(".")
    title = TITLE_SUFFIX_RE.sub("", title.upper()) if title.isupper() else title
    if title.isupper():
        title = " ".join(word.capitalize() for word in title.split())
    article = re.match(r"^(.*), (The|A|An)$", title)
    return f"{article.group(2)} {article.group(1)}" if article else title


def clean_tempo(value: str) -> str:
    """'1/2=90 "Moderato"' → '1/2=90'; a tempo that is only a word is dropped."""
    match = re.search(r"\d+/\d+\s*=\s*\d+", value)
    return match.group().replace(" ", "") if match else ""


class Rejected(ValueError):
    """A tune the corpus leaves out; the message says why, for people who bring their own."""


def normalize(raw_text: str) -> str | None:
    """One tune of a collection as training text, or None when it is not usable."""
    try:
        return normalized(raw_text)
    except Rejected:
        return None


def normalized(raw_text: str) -> str:
    """One tune as training text. Raises Rejected saying why it is not usable."""
    try:
        raw = extract_tunes(raw_text)[0]
    except AbcError as error:
        raise Rejected(str(error)) from None
    given = {name: value.strip() for name, value in reversed(raw.headers)}
    if "K" not in given or "M" not in given:
        raise Rejected("no K: or M: field")
    if "V" in given:  # several voices: not one melody
        raise Rejected("several voices")
    try:
        tune = repair(raw, {"X": "1"})
        key = abc_analysis.parse_key(given["K"])
    except AbcError as error:
        raise Rejected(str(error)) from None
    headers = {
        "X": "1",
        "R": given.get("R", "").lower(),
        "M": METER_WORDS.get(tune.headers["M"], tune.headers["M"]),
        "L": tune.headers["L"],
        "Q": clean_tempo(given.get("Q", "")),
        "T": clean_title(given.get("T", "")),
        "K": key_text(key),
    }
    tune.headers = {name: headers[name] for name in HEADER_ORDER if headers[name]}
    check_plausible(tune)
    text = tune.to_text()
    if len(text) > MAX_CHARS:
        raise Rejected(f"longer than {MAX_CHARS} characters (a medley or a suite)")
    return text


def key_text(key: abc_analysis.Key) -> str:
    suffix = {"maj": "", "min": "m"}.get(key.mode, key.mode)
    return key.tonic + suffix


def check_plausible(tune) -> None:
    try:
        stats = abc_analysis.analyse(tune)
    except (AbcError, ZeroDivisionError) as error:
        raise Rejected(str(error) or "its lengths cannot be read") from None
    if stats.full_bars < MIN_BARS:
        raise Rejected(f"fewer than {MIN_BARS} bars")
    if len(stats.pitches) < 3:
        raise Rejected("fewer than 3 different notes")
    if Fraction(stats.bars_in_meter(), stats.full_bars) < MIN_METER_SHARE:
        raise Rejected("its bars do not fit its meter")


def tune_body(tune: str) -> str:
    """A normalized tune without its header: what tells two copies of one tune apart."""
    return tune.split("\nK:", 1)[1].split("\n", 1)[1]


def split_file(text: str) -> list[str]:
    """A collection file's text → one text per tune (each starts at its X: line)."""
    parts = re.split(r"(?m)^(?=X:)", text.replace("\r\n", "\n"))
    return [part for part in parts if part.startswith("X:")]


def load_tunes(root: Path | None = None) -> list[str]:
    """Every usable tune, normalized, duplicates (the same tune in two books) removed."""
    seen: set[str] = set()
    tunes = []
    for path in collection_files(root or corpus_root()):
        for raw_text in split_file(path.read_text(encoding="latin-1")):
            tune = normalize(raw_text)
            body = tune_body(tune) if tune else ""
            if tune and body not in seen:
                seen.add(body)
                tunes.append(tune)
    return tunes


def split(tunes: list[str], seed: int = SPLIT_SEED) -> Split:
    """Train/validation split by tune, fixed by `seed`."""
    order = list(range(len(tunes)))
    random.Random(seed).shuffle(order)
    cut = max(1, round(len(tunes) * VALIDATION_SHARE))
    return Split([tunes[i] for i in order[cut:]], [tunes[i] for i in order[:cut]])


if __name__ == "__main__":
    data = split(load_tunes())
    chars = sum(map(len, data.train))
    print(f"{len(data.train)} train tunes ({chars:,} chars), {len(data.validation)} validation")
    print(data.train[0])
    print(data.validation[0])
