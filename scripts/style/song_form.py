"""Song form: a style's plan of sections laid out in bars, long enough and not too long.

`A` and `B` are the two halves of the model's tune; `solo` plays `A` and `drop` plays `B` with
everything on; `intro`, `breakdown`, `build` and `ending` have the style's own lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

from scripts.style.style_schema import Form

# Which half of the tune a section's melody comes from.
MELODY_HALF = {"A": "A", "solo": "A", "breakdown": "A", "B": "B", "drop": "B", "build": "B"}
MAX_PLAN_SECTIONS = 24
PHRASE = 4  # bars


@dataclass(frozen=True)
class Section:
    name: str
    start_bar: int
    bars: int
    roles: tuple[str, ...]
    energy: float
    last_of_kind: bool = False  # the last time this section's music comes: the biggest

    @property
    def end_bar(self) -> int:
        return self.start_bar + self.bars


def tune_halves(tune_bars: int) -> tuple[int, int]:
    """Bars of A and of B: halves, A rounded to whole 4-bar phrases where the tune allows."""
    if tune_bars < 2:
        return tune_bars, 0
    half = tune_bars // 2
    if half >= 4 and half % 4 and tune_bars - (half - half % 4) > 0:
        half -= half % 4
    return half, tune_bars - half


def section_bars(name: str, form: Form, halves: tuple[int, int]) -> int:
    if name in ("A", "solo"):
        return halves[0]
    if name in ("B", "drop"):
        return halves[1] or halves[0]
    return form.bars_of(name)


def fitted_plan(form: Form, halves: tuple[int, int], bar_seconds: float) -> list[str]:
    """The style's plan with the A B pair repeated after the first B until the song
    lasts the style's shortest, and repeats (then a solo, breakdown, build) dropped to keep it
    under its longest."""
    plan = list(form.plan)
    shortest, longest = form.seconds

    def seconds(names: list[str]) -> float:
        return sum(section_bars(name, form, halves) for name in names) * bar_seconds

    # More verses and choruses come after the first chorus, before any breakdown or solo.
    anchor = next((i + 1 for i, n in enumerate(plan) if n == "B"), len(plan) - 1)
    while seconds(plan) < shortest and len(plan) < MAX_PLAN_SECTIONS:
        plan[anchor:anchor] = ["A", "B"] if halves[1] else ["A"]
        anchor += 2 if halves[1] else 1
    for removable in ("solo", "A", "B", "breakdown", "build"):
        while seconds(plan) > longest:
            places = [i for i, n in enumerate(plan) if n == removable]
            keep = 1 if removable in ("A", "B") else 0  # the tune is heard at least once
            if len(places) <= keep:
                break
            plan = without(plan, places[-1], two_halves=bool(halves[1]))
    return plan


def without(plan: list[str], index: int, two_halves: bool) -> list[str]:
    """`plan` without its section at `index`; when that leaves a half of the tune right after
    itself (the chorus after a dropped solo, after the chorus before it), one of them goes too:
    a verse or chorus never plays twice in a row."""
    rest = plan[:index] + plan[index + 1 :]
    if two_halves and 0 < index < len(rest) and rest[index - 1] == rest[index] in ("A", "B"):
        del rest[index]
    return rest


def lay_out(form: Form, tune_bars: int, bar_seconds: float) -> list[Section]:
    """The sections of a song of `tune_bars` bars of tune, in order, with their bars."""
    halves = tune_halves(tune_bars)
    plan = fitted_plan(form, halves, bar_seconds)
    lengths = [section_bars(name, form, halves) for name in plan]
    # A tune too long for the style's longest song even played once: its sections are cut short
    # (the melody stops at the cut), never below a 4-bar phrase.
    tune_parts = [i for i, name in enumerate(plan) if name in ("A", "B", "solo", "drop")]
    room = form.seconds[1] / bar_seconds - sum(
        n for i, n in enumerate(lengths) if i not in tune_parts
    )
    played = sum(lengths[i] for i in tune_parts)
    if played > room > 0:
        for i in tune_parts:
            lengths[i] = max(PHRASE, int(lengths[i] * room / played) // PHRASE * PHRASE)
    sections, bar = [], 0
    for index, (name, bars) in enumerate(zip(plan, lengths, strict=True)):
        spec = form.sections[name]
        music = MELODY_HALF.get(name, name)
        last = all(MELODY_HALF.get(later, later) != music for later in plan[index + 1 :])
        sections.append(Section(name, bar, bars, spec.roles, spec.energy, last))
        bar += bars
    return sections
