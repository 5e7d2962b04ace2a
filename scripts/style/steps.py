"""Step patterns (data/styles/README.md, "Step patterns"): "x...|x-.." read as hits."""

from __future__ import annotations

from dataclasses import dataclass

from scripts import temporary


@dataclass(frozen=True)
class Hit:
    step: int  # from the start of the part's span
    length: int  # steps it sounds (a held note runs through its "-" steps)
    mark: str  # X x o


def pattern_steps(pattern: str) -> str:
    """A step pattern without its reading aids ("x...|x..." → "x...x...")."""
    return "".join(c for c in pattern if c not in temporary.STEP_SEPARATORS)


def hits(pattern: str, total_steps: int) -> list[Hit]:
    """The pattern looped over `total_steps`: each note with how long it is held."""
    steps = pattern_steps(pattern)
    looped = (steps * (total_steps // len(steps) + 1))[:total_steps]
    found = []
    for index, mark in enumerate(looped):
        if mark in temporary.STEP_VELOCITY:
            length = 1
            while index + length < total_steps and looped[index + length] == temporary.STEP_HOLD:
                length += 1
            found.append(Hit(index, length, mark))
    return found
