"""Drum notes for a section from a style's grooves: the section's groove, a fill at every phrase's
end (so no bar repeats unchanged for more than PHRASE_BARS - 1 bars), a crash opening the section,
the build's roll and the ending's last hit."""

from __future__ import annotations

from collections.abc import Mapping

from scripts import temporary
from scripts.style.parts import PartNote, energy_velocity
from scripts.style.song_form import Section
from scripts.style.steps import hits, pattern_steps
from scripts.style.style_schema import Grooves

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


def groove_for(grooves: Grooves, names: tuple[str, ...]) -> Mapping[str, str]:
    found = (getattr(grooves, name) for name in names)
    return next((groove for groove in found if groove is not None), {})


def groove_notes(
    groove: dict, bar: int, offset: int, steps_per_bar: int, energy: float
) -> list[PartNote]:
    """The groove's hits in song bar `bar`, the `offset`-th bar of its section: a pattern of
    several bars plays its bar `offset` (looping)."""
    notes = []
    for voice, pattern in groove.items():
        steps = pattern_steps(pattern)
        start = offset % (len(steps) // steps_per_bar) * steps_per_bar
        for hit in hits(steps[start : start + steps_per_bar], steps_per_bar):
            velocity = energy_velocity(temporary.STEP_VELOCITY[hit.mark], energy)
            notes.append(
                PartNote(bar * steps_per_bar + hit.step, 1, temporary.DRUM_VOICES[voice], velocity)
            )
    return notes


def section_drums(
    grooves: Grooves, section: Section, steps_per_bar: int, is_first: bool, crash: bool
) -> list[PartNote]:
    """The drum notes of one section, in steps from the song's start. The ending groove plays
    whole in the section's last bars; `crash` opens the section with a crash."""
    if grooves.main is None or "drums" not in section.roles:
        return []
    base = groove_for(grooves, SECTION_GROOVES[section.name])
    fill = base if grooves.fill is None else grooves.fill
    ending = grooves.ending
    ending_from = section.bars - min(section.bars, ending_bars(ending, steps_per_bar))
    notes: list[PartNote] = []
    for offset in range(section.bars):
        bar = section.start_bar + offset
        last = offset == section.bars - 1
        groove_bar = offset
        if section.name == "build":
            groove = base  # one rising pattern, bar by bar: no fills
        elif section.name == "ending" and ending and offset >= ending_from:
            groove, groove_bar = ending, offset - ending_from
        elif last or (offset + 1) % PHRASE_BARS == 0:
            groove = fill
        else:
            groove = base
        played = groove_notes(groove, bar, groove_bar, steps_per_bar, section.energy)
        if groove is base and section.name != "build":
            played = phrased(played, groove, offset, bar * steps_per_bar, steps_per_bar)
        notes += played
    start = section.start_bar * steps_per_bar
    crashed = any(n.pitch == temporary.CRASH_NOTE and n.start == start for n in notes)
    if crash and not is_first and not crashed:
        notes.append(PartNote(start, 1, temporary.CRASH_NOTE, 110))
    return notes


def phrased(
    notes: list[PartNote], groove: dict, offset: int, start: int, steps_per_bar: int
) -> list[PartNote]:
    """A groove bar as a drummer plays it in its 4-bar phrase (temporary.DRUM_PHRASE_BARS):
    the downbeat accented in the first bar, ghost notes before the backbeat in the second,
    a ghosted pickup into the next phrase in the fourth."""
    place = offset % temporary.DRUM_PHRASE_BARS
    voice = next((v for v in temporary.BACKBEAT_VOICES if v in groove), None)
    if place == 0:
        return [
            PartNote(n.start, n.length, n.pitch, min(127, n.velocity + temporary.DOWNBEAT_ACCENT))
            if n.start == start
            else n
            for n in notes
        ]
    if voice is None or place not in (1, temporary.DRUM_PHRASE_BARS - 1):
        return notes
    pitch = temporary.DRUM_VOICES[voice]
    taken = {n.start for n in notes if n.pitch == pitch}
    if place == 1:
        ghosts = {step - 1 for step in taken if step - 1 > start}
    else:
        ghosts = {start + steps_per_bar - 2, start + steps_per_bar - 1}
    extra = [PartNote(at, 1, pitch, temporary.GHOST_VELOCITY) for at in sorted(ghosts - taken)]
    return notes + extra


def ending_bars(ending: dict | None, steps_per_bar: int) -> int:
    """How many bars the ending groove is long (its longest pattern)."""
    return max((len(pattern_steps(p)) // steps_per_bar for p in (ending or {}).values()), default=1)
