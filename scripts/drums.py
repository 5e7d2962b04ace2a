"""Drum notes for a section from a style's grooves: the section's groove, a fill at every phrase's
end (so no bar repeats unchanged for more than PHRASE_BARS - 1 bars), a crash opening the section,
the build's roll and the ending's last hit."""

from __future__ import annotations

from scripts import temporary
from scripts.parts import PartNote, hits
from scripts.song_form import Section
from scripts.style_library import pattern_steps

PHRASE_BARS = 8  # a fill ends every phrase this long
# The groove each section plays, the first the style has.
SECTION_GROOVES = {
    "intro": ("intro", "main"),
    "A": ("main",),
    "solo": ("variation", "main"),
    "B": ("variation", "main"),
    "drop": ("variation", "main"),
    "breakdown": ("intro", "main"),
    "build": ("build", "fill", "main"),
    "ending": ("main",),
}


def groove_for(grooves: dict, names: tuple[str, ...]) -> dict:
    return next((grooves[name] for name in names if name in grooves), {})


def groove_notes(
    groove: dict, bar: int, offset: int, steps_per_bar: int, energy: float
) -> list[PartNote]:
    """The groove's hits in song bar `bar`, the `offset`-th bar of its section: a pattern of
    several bars plays its bar `offset` (looping)."""
    notes = []
    scale = 0.75 + 0.35 * energy
    for voice, pattern in groove.items():
        steps = pattern_steps(pattern)
        start = offset % (len(steps) // steps_per_bar) * steps_per_bar
        for hit in hits(steps[start : start + steps_per_bar], steps_per_bar):
            velocity = max(1, min(127, round(temporary.STEP_VELOCITY[hit.mark] * scale)))
            notes.append(
                PartNote(bar * steps_per_bar + hit.step, 1, temporary.DRUM_VOICES[voice], velocity)
            )
    return notes


def section_drums(
    grooves: dict, section: Section, steps_per_bar: int, is_first: bool
) -> list[PartNote]:
    """The drum notes of one section, in steps from the song's start."""
    if not grooves or "drums" not in section.roles:
        return []
    base = groove_for(grooves, SECTION_GROOVES[section.name])
    fill = grooves.get("fill", base)
    notes: list[PartNote] = []
    for offset in range(section.bars):
        bar = section.start_bar + offset
        last = offset == section.bars - 1
        if section.name == "build":
            groove = base  # one rising pattern, bar by bar: no fills
        elif section.name == "ending" and last:
            groove = grooves.get("ending", base)
        elif last or (offset + 1) % PHRASE_BARS == 0:
            groove = fill
        else:
            groove = base
        notes += groove_notes(groove, bar, offset, steps_per_bar, section.energy)
    start = section.start_bar * steps_per_bar
    crashed = any(n.pitch == temporary.CRASH_NOTE and n.start == start for n in notes)
    if not is_first and not crashed:
        notes.append(PartNote(start, 1, temporary.CRASH_NOTE, 110))
    return notes
