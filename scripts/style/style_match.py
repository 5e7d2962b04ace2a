"""What the user typed → the library's styles, and several styles → one blend.

Each typed style is matched, in this order: its whole text is a style's name or synonym; a name or
synonym occurs in it as whole words (the longest wins: "dark techno" → techno); its words are a
style's `words` ("rasta vibes" → reggae); a word of it begins or ends with a style's name or word
("trancecore" → trance); it is a near spelling of a name ("regae"); the closest
style a chat model named for it; else the fallback style (temporary.FALLBACK_STYLE).

Blending: the first style sets the meter, feel, tempo range, drums, parts' patterns and the form;
each further style colours the song: its instruments for the roles both play, its progressions
join the candidates and its sevenths count, and its effects are added to the roles both have
(an effect type a role already has is not doubled). The tempo is the middle of the first style's
range moved toward the others' middles, kept inside the first style's range.
"""

from __future__ import annotations

import difflib
import re
import zlib
from dataclasses import dataclass, field, replace

from scripts import temporary
from scripts.style.style_library import Style, StyleData, StyleLibrary
from scripts.style.style_schema import StyleSpec

WORD_RE = re.compile(r"[a-z0-9/]+")
TEMPO_RE = re.compile(r"\b(\d{2,3})\s*bpm\b", re.IGNORECASE)
SPELLING_CUTOFF = 0.8
COMPOUND_LEAST = 3  # letters of a name inside a compound word: 'bubblepop' → pop


def parse_styles(text: str) -> tuple[str, ...]:
    """'Chill,  dubstep ,' → ('Chill', 'dubstep')."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def normal(text: str) -> str:
    """Lower case, '&' as 'and', only letters, digits and '/' kept: 'R&B' → 'r and b'."""
    return " ".join(WORD_RE.findall(text.lower().replace("&", " and ").replace("'", "")))


@dataclass(frozen=True)
class StyleChoice:
    typed: str  # what the user typed for it
    style: Style  # the style, as the variant typed plays it
    how: str  # name, synonym, words, spelling, model, fallback

    def describe(self, sets_meter: bool = True) -> str:
        """'Sea shanty → folk, 6/8'; the meter only of the style that sets the song's, and the
        style as a user may type it ("drum and bass", not its file name drum_and_bass)."""
        meter = self.style.spec.meter
        shown = self.style.name.replace("_", " ")
        shown += f", {meter}" if meter != "4/4" and sets_meter else ""
        note = " (no style matched)" if self.how == "fallback" else ""
        return f"{self.typed} → {shown}{note}"


def phrase_index(library: StyleLibrary) -> dict[str, tuple[str, str]]:
    """Every name a user may type → (style name, the variant it names or ""). A style's own
    name comes first, then the variants', then synonyms: a user's style called "Vaporwave" is
    that style, not the synonym of synthwave that the shipped library lists."""
    index: dict[str, tuple[str, str]] = {}
    styles = library.styles.values()
    for style in styles:
        for name in (style.name.replace("_", " "), style.label):
            index.setdefault(normal(name), (style.name, ""))
    for style in styles:
        for variant in style.spec.variants:
            for name in variant.names:
                index.setdefault(normal(name), (style.name, name.lower()))
    for style in styles:
        for name in style.names():
            index.setdefault(normal(name), (style.name, ""))
    index.pop("", None)
    return index


def contains_words(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def match_style(typed: str, library: StyleLibrary, closest: str | None = None) -> StyleChoice:
    """The style one typed style plays as (see the module's docstring for the order)."""
    text = normal(TEMPO_RE.sub(" ", typed))
    index = phrase_index(library)

    def chosen(name: str, variant: str, how: str) -> StyleChoice:
        style = library[name]
        return StyleChoice(typed, style.variant(variant) if variant else style, how)

    if text in index:
        return chosen(*index[text], "name")
    words = set(text.split())
    scores = {
        style.name: len(words & {normal(w) for w in style.spec.words})
        for style in library.styles.values()
    }
    inside = [phrase for phrase in index if contains_words(text, phrase)]
    if inside:
        # The longest name wins; between names as long, the one whose style's words are typed
        # too, then the one typed first ("lo-fi beats to study to": lofi, not hip hop's beats).
        def rank(phrase: str):
            return len(phrase), scores[index[phrase][0]], -f" {text} ".index(f" {phrase} ")

        return chosen(*index[max(inside, key=rank)], "synonym")
    best = max(
        scores, key=lambda name: (scores[name], name == temporary.FALLBACK_STYLE), default=None
    )
    if best and scores[best]:
        return chosen(best, "", "words")
    compound = compound_match(words, index, library)
    if compound:
        return chosen(compound, "", "compound")
    near = difflib.get_close_matches(text, list(index), n=1, cutoff=SPELLING_CUTOFF)
    if near:
        return chosen(*index[near[0]], "spelling")
    if closest in library:
        return chosen(closest, "", "model")
    fallback = (
        temporary.FALLBACK_STYLE if temporary.FALLBACK_STYLE in library else min(library.styles)
    )
    return chosen(fallback, "", "fallback")


def compound_match(words: set[str], index: dict, library: StyleLibrary) -> str | None:
    """The style whose name, synonym or word (of COMPOUND_LEAST letters or more) begins or ends a
    typed word: 'trancecore' → trance, 'chillgaze' → lofi; the longest wins."""
    parts = {phrase: style for phrase, (style, _) in index.items() if " " not in phrase}
    for style in library.styles.values():
        for word in style.spec.words:
            parts.setdefault(normal(word), style.name)
    found = [
        (len(part), style)
        for word in words
        for part, style in parts.items()
        if len(part) >= COMPOUND_LEAST
        and part != word
        and (word.startswith(part) or word.endswith(part))
    ]
    return max(found)[1] if found else None


def typed_tempo(styles: tuple[str, ...]) -> int | None:
    """A tempo typed with the styles ('Reggae 140 bpm'), when it is one a song can have."""
    low, high = temporary.TEMPO_RANGE
    for typed in styles:
        found = TEMPO_RE.search(typed)
        if found and low <= int(found[1]) <= high:
            return int(found[1])
    return None


@dataclass(frozen=True)
class Blend(StyleData):
    """The styles a song is arranged in, merged into one style by the rule above."""

    styles: tuple[str, ...]  # as typed
    choices: tuple[StyleChoice, ...]
    spec: StyleSpec
    tempo_override: int | None = None
    left_out: tuple[str, ...] = field(default=())  # typed styles past MAX_STYLES_USED

    @property
    def kinds(self) -> frozenset[str]:
        """What the song is called as a piece: its first style's names ('jig', 'reel')."""
        return frozenset(normal(name) for name in self.choices[0].style.names())

    @property
    def meter(self) -> str:
        return self.spec.meter

    @property
    def rhythm(self) -> str:
        return self.spec.melody.rhythm

    @property
    def mode(self) -> str:
        return self.spec.harmony.mode

    def stream(self, seed: int, purpose: str) -> int:
        """A seed of its own for each of a song's choices, different for every style: two styles
        given one seed choose their keys, tempos and melodies apart."""
        return zlib.crc32(f"{purpose} {self.name} {seed}".encode()) % 2**31

    def tempo_for(self, seed: int) -> int:
        if self.tempo_override:
            return self.tempo_override
        low, high = self.spec.tempo
        middle = (low + high) / 2
        others = [sum(c.style.spec.tempo) / 2 for c in self.choices[1:]]
        if others:
            middle = min(high, max(low, (middle + sum(others) / len(others)) / 2))
        spread = (high - low) / 4
        return round(
            min(high, max(low, middle + (self.stream(seed, "tempo") % 1001 / 500 - 1) * spread))
        )

    def key_for(self, seed: int) -> str:
        keys = temporary.KEYS_BY_MODE[self.mode]
        return keys[self.stream(seed, "key") % len(keys)]

    def arranged_as(self) -> str:
        """'Reggaeton → reggaeton; Sea shanty → folk, 6/8' (what the screen and sidecar say)."""
        text = "; ".join(
            choice.describe(sets_meter=place == 0) for place, choice in enumerate(self.choices)
        )
        if self.tempo_override:
            text += f"; {self.tempo_override} bpm"
        if self.left_out:
            text += f"; not used (at most {temporary.MAX_STYLES_USED}): {', '.join(self.left_out)}"
        return text


def colour(spec: StyleSpec, other: StyleSpec) -> StyleSpec:
    """Another style's sounds, harmony and effects over `spec`."""
    parts = {
        role: replace(part, program=other.parts[role].program) if role in other.parts else part
        for role, part in spec.parts.items()
    }
    harmony = replace(
        spec.harmony,
        progressions=spec.harmony.progressions + other.harmony.progressions,
        sevenths=max(spec.harmony.sevenths, other.harmony.sevenths),
    )
    tracks = dict(spec.effects.tracks)
    for role, chain in other.effects.tracks.items():
        if role in tracks or role in spec.parts or role in ("melody", "drums"):
            have = {effect["type"] for effect in tracks.get(role, [])}
            tracks[role] = [*tracks.get(role, []), *(e for e in chain if e["type"] not in have)]
    return replace(
        spec,
        melody=replace(spec.melody, program=other.melody.program),
        parts=parts,
        harmony=harmony,
        effects=replace(spec.effects, tracks=tracks),
    )


def blend(styles: tuple[str, ...], library: StyleLibrary, closest: str | None = None) -> Blend:
    """The blend for the styles typed (the fallback style for none)."""
    used, left_out = styles[: temporary.MAX_STYLES_USED], styles[temporary.MAX_STYLES_USED :]
    choices = tuple(match_style(typed, library, closest) for typed in used)
    if not choices:
        choices = (match_style("", library, closest),)
    spec = choices[0].style.spec
    for choice in choices[1:]:
        if choice.style.name != spec.name:
            spec = colour(spec, choice.style.spec)
    return Blend(styles, choices, spec, typed_tempo(styles), tuple(left_out))
