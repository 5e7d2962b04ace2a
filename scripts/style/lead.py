"""The lead line a style plays, made from the model's tune: the tune is the theme, and the style's
idiom (its file's `melody.idiom`) says what a player of that style makes of it.

- `tune`: as written (folk, classical, marches: the tune is the music).
- `hook`: each 4-bar phrase becomes a hook: the phrase's first bar, played again, varied into
  the third bar's harmony, and answered by the phrase's own last bar (house, pop, techno).
- `riff`: the first half of the phrase's first bar, repeated short and tight (funk, metal).
- `blues`: call and response: a bar of the tune, then its last note held and space; the
  passing notes bent to the blues scale (blues, soul).
- `pentatonic`: every note moved to the key's pentatonic scale (country, rock licks).
- `long_tones`: the notes on the beats, each held to the next (ambient, chillout).
- `clave`: the tune's notes nearest the son clave's five hits, held between them (salsa, bossa).

Every idiom but `tune` then breathes (the last beat of each 4-bar phrase is a rest) and merges
a share (`melody.simplify`) of its pairs of equal short notes into one longer note, so the lead
is no unbroken stream of eighths. Notes are in quarters from the tune's first full bar.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from scripts import temporary

PHRASE_BARS = 4
EPSILON = 1e-3


@dataclass(frozen=True)
class LeadContext:
    bar: float  # quarters a bar
    beat: float  # quarters a counted beat (a dotted quarter in 6/8)
    tonic: int  # pitch class
    mode: str  # "major" or "minor"
    simplify: float  # the share of pairs of equal short notes merged
    rng: random.Random


def _in_bar(notes: list, bar_index: int, ctx: LeadContext) -> list:
    """The notes that start in bar `bar_index`, timed from its start."""
    start = bar_index * ctx.bar
    return [
        replace(n, start=n.start - start)
        for n in notes
        if start - EPSILON <= n.start < start + ctx.bar - EPSILON
    ]


def _placed(notes: list, at: float) -> list:
    return [replace(n, start=n.start + at) for n in notes]


def _bars(notes: list, ctx: LeadContext) -> int:
    return max(1, round(max(n.start + n.length for n in notes) / ctx.bar + 0.49))


def snapped(pitch: int, classes: tuple[int, ...]) -> int:
    """The nearest pitch whose class is in `classes` (down on a tie)."""
    for distance in range(7):
        for candidate in (pitch - distance, pitch + distance):
            if candidate % 12 in classes:
                return candidate
    return pitch


def _scale(ctx: LeadContext, degrees: tuple[int, ...]) -> tuple[int, ...]:
    return tuple((ctx.tonic + d) % 12 for d in degrees)


def tune(notes: list, ctx: LeadContext) -> list:
    return notes


def hook(notes: list, ctx: LeadContext) -> list:
    pickup = [n for n in notes if n.start < -EPSILON]
    lead = list(pickup)
    for first in range(0, _bars(notes, ctx), PHRASE_BARS):
        motif = _in_bar(notes, first, ctx)
        for offset in range(PHRASE_BARS):
            own = _in_bar(notes, first + offset, ctx)
            if offset in (1, 2) and motif:
                bar = list(motif)
                if offset == 2 and own:  # the repeat lands on the new bar's first note
                    bar[-1] = replace(bar[-1], pitch=own[0].pitch)
            else:
                bar = own
            lead += _placed(bar, (first + offset) * ctx.bar)
    return [n for n in lead if n.start < _bars(notes, ctx) * ctx.bar]


def riff(notes: list, ctx: LeadContext) -> list:
    lead = []
    half = ctx.bar / 2
    for first in range(0, _bars(notes, ctx), PHRASE_BARS):
        cell = [n for n in _in_bar(notes, first, ctx) if n.start < half - EPSILON]
        for offset in range(PHRASE_BARS):
            own = _in_bar(notes, first + offset, ctx)
            source = own if offset == PHRASE_BARS - 1 else cell + _placed(cell, half)
            tight = [replace(n, length=min(n.length, ctx.beat / 2)) for n in source]
            lead += _placed(tight, (first + offset) * ctx.bar)
    return lead


def blues(notes: list, ctx: LeadContext) -> list:
    scale = _scale(ctx, temporary.BLUES_SCALE)
    lead = []
    for index in range(_bars(notes, ctx)):
        bar = _in_bar(notes, index, ctx)
        if index % 2 == 1 and lead:  # the response: the call's last note rings, then space
            last = lead[-1]
            lead[-1] = replace(last, length=max(last.length, (index + 0.5) * ctx.bar - last.start))
            continue
        for note in bar:
            on_beat = abs(note.start / ctx.beat - round(note.start / ctx.beat)) < EPSILON
            pitch = note.pitch if on_beat else snapped(note.pitch, scale)
            lead.append(replace(note, start=note.start + index * ctx.bar, pitch=pitch))
    return lead


def pentatonic(notes: list, ctx: LeadContext) -> list:
    degrees = temporary.PENTATONIC[ctx.mode]
    scale = _scale(ctx, degrees)
    return [replace(n, pitch=snapped(n.pitch, scale)) for n in notes]


def long_tones(notes: list, ctx: LeadContext) -> list:
    kept = []
    for note in sorted(notes, key=lambda n: n.start):
        beat = note.start / ctx.beat
        if abs(beat - round(beat)) < EPSILON and (
            not kept or note.start - kept[-1].start >= ctx.beat * 2 - EPSILON
        ):
            kept.append(note)
    return _held(kept, notes)


def clave(notes: list, ctx: LeadContext) -> list:
    hits = [hit * ctx.bar / 4 for hit in temporary.SON_CLAVE]  # quarters of a 4/4 bar → the bar
    kept = []
    for pair in range(0, _bars(notes, ctx), 2):
        origin = pair * ctx.bar
        for hit in hits:
            at = origin + hit
            near = min(notes, key=lambda n: abs(n.start - at), default=None)
            if near is not None and abs(near.start - at) <= ctx.beat:
                kept.append(replace(near, start=at))
    return _held(kept, notes)


def _held(kept: list, notes: list) -> list:
    """`kept`, each held until the next starts (the last as long as the tune runs on)."""
    end = max(n.start + n.length for n in notes)
    return [
        replace(note, length=(kept[i + 1].start if i + 1 < len(kept) else end) - note.start)
        for i, note in enumerate(kept)
    ]


# The names are the style schema's choices for `melody.idiom`.
IDIOMS: dict[str, Callable[[list, LeadContext], list]] = {
    "tune": tune,
    "hook": hook,
    "riff": riff,
    "blues": blues,
    "pentatonic": pentatonic,
    "long_tones": long_tones,
    "clave": clave,
}


def breathe(notes: list, ctx: LeadContext) -> list:
    """A rest on the last beat of each 4-bar phrase: notes starting there go, notes running
    into it stop at it."""
    lead = []
    for note in notes:
        phrase_end = (note.start // (ctx.bar * PHRASE_BARS) + 1) * ctx.bar * PHRASE_BARS
        rest = phrase_end - ctx.beat
        if rest - EPSILON <= note.start < phrase_end:
            continue
        if note.start < rest < note.start + note.length:
            note = replace(note, length=rest - note.start)
        lead.append(note)
    return lead


def merge_pairs(notes: list, ctx: LeadContext) -> list:
    """A share of the pairs of equal short notes starting on a beat become one note as long as
    both (the first pitch): quarters among the eighths."""
    lead = []
    skip = False
    ordered = sorted(notes, key=lambda n: n.start)
    for index, note in enumerate(ordered):
        if skip:
            skip = False
            continue
        after = ordered[index + 1] if index + 1 < len(ordered) else None
        beat = note.start / ctx.beat
        pair = (
            after is not None
            and abs(beat - round(beat)) < EPSILON
            and abs(after.start - (note.start + note.length)) < EPSILON
            and abs(after.length - note.length) < EPSILON
            and note.length <= ctx.beat / 2 + EPSILON
        )
        if pair and ctx.rng.random() < ctx.simplify:
            note = replace(note, length=note.length + after.length)
            skip = True
        lead.append(note)
    return lead


def lead_line(notes: list, idiom: str, ctx: LeadContext) -> list:
    """The style's lead from the tune's notes (see the module's docstring)."""
    lead = IDIOMS[idiom](notes, ctx)
    if idiom == "tune" or not lead:
        return lead or notes
    return merge_pairs(breathe(lead, ctx), ctx)


def solo_line(notes: list, ctx: LeadContext) -> list:
    """A solo over the tune's harmony that is not the tune again: each bar's notes played in
    the reverse order, on the bar's own rhythm (the same notes over the same chord)."""
    solo = []
    for index in range(_bars(notes, ctx)):
        bar = sorted(_in_bar(notes, index, ctx), key=lambda n: n.start)
        for note, pitch in zip(bar, reversed([n.pitch for n in bar]), strict=True):
            solo.append(replace(note, start=note.start + index * ctx.bar, pitch=pitch))
    return solo
