"""A GBNF grammar that keeps an ABC tune body in its meter, built for one meter and unit length.

A small model writes most bars right but not all (about 92% for the starter model), and one bar
too long or too short makes the whole arrangement stumble. llama.cpp can only sample what a
grammar allows, so every bar here sums exactly to the meter: one rule per remaining length
("fill-k": k quarters of the unit L still to write), each choosing an element and the rest. Only
the pickup before the first bar and the last bar may be short: a model allowed short bars at every
section line writes runs of them (the starter did, a few tunes in a hundred). The tune must hold
`min_bars` bars before the blank line that ends it may come.
"""

from __future__ import annotations

import math
from fractions import Fraction

from scripts.abc_analysis import parse_fraction

QUARTERS = 4  # lengths are counted in quarters of the unit L, so L/2 ("/") is 2
# Length suffix → duration in quarters of L. The common ones only: a small model's rarer
# lengths are mostly its mistakes.
LENGTHS = {"/": 2, "": 4, "3/2": 6, "2": 8, "3": 12, "4": 16, "6": 24, "8": 32}
BROKEN_LENGTHS = {"": 8, "2": 16}  # "A>B" is two units long, "A2>B2" four
TRIPLET = 8  # "(3ABC": three units in the time of two

COMMON_RULES = r"""
pitch ::= ("^" | "^^" | "_" | "__" | "=")? ([A-G] ","? ","? | [a-g] "'"? "'"?)
chordsym ::= "\"" [A-G] ("#" | "b")? ("m" | "7" | "m7" | "maj7" | "dim" | "sus4" | "6")? "\""
sp ::= " "?
nl ::= "\n"?
barline ::= ("|" | "||" | ":|" | "|:" | "::") ending?
ending ::= "1" | "2" | sp ("[1" | "[2")
"""


def continuation(rest: int) -> str:
    """What follows an element when `rest` quarters of the bar are left: a tie, then the rest."""
    return '"-"?' if rest == 0 else f'"-"? sp fill-{rest}'


def lengths_rule(k: int) -> str:
    """len-k: a length suffix and the rest of the bar. Factored this way, llama.cpp reads a pitch
    once and only then branches on its length: a grammar that branched on whole elements ran
    ten times slower."""
    options = []
    for suffix, length in LENGTHS.items():
        if length <= k and (k - length) % 2 == 0:
            text = f'"{suffix}" ' if suffix else ""
            options.append(text + continuation(k - length))
    return f"len-{k} ::= {' | '.join(options)}"


def pairs_rule(k: int) -> str | None:
    """pair-k: the rest of a broken-rhythm pair ("A>B", "A2<B2") begun by a pitch."""
    options = []
    for suffix, length in BROKEN_LENGTHS.items():
        if length <= k:
            text = f'"{suffix}" ' if suffix else ""
            options.append(f'{text}(">" | "<") pitch {text}{continuation(k - length)}')
    return f"pair-{k} ::= {' | '.join(options)}" if options else None


def fill_rules(full: int) -> list[str]:
    """fill-k for every even k up to a full bar: k quarters of L still to write."""
    rules = []
    reachable = list(range(2, full + 1, 2))
    for k in reachable:
        pair = pairs_rule(k)
        note = f'"~"? pitch (len-{k} | pair-{k})' if pair else f'"~"? pitch len-{k}'
        # No chords [CEG]: rare in the training tunes, and a model held off what it meant to
        # write (an ending "[1") drifted into long runs of them.
        choices = [note, f'"z" len-{k}']
        if k >= TRIPLET:
            choices.append(f'"(3" pitch pitch pitch {continuation(k - TRIPLET)}')
        rules += [f"fill-{k} ::= chordsym? ({' | '.join(choices)})", lengths_rule(k)]
        rules += [pair] if pair else []
    rules.append(f"short ::= {' | '.join(f'fill-{k}' for k in reachable if k < full)}")
    rules.append(f"upto ::= {' | '.join(f'fill-{k}' for k in reachable)}")
    return rules


def bar_quarters(meter: str, unit: str) -> int:
    """A full bar in quarters of L: 4/4 with L:1/8 is 32."""
    meter = {"C": "4/4", "C|": "2/2"}.get(meter.strip(), meter)
    bar = parse_fraction(meter, Fraction(0)) / parse_fraction(unit, Fraction(1)) * QUARTERS
    if bar.denominator != 1 or not 4 <= bar <= 96:
        raise ValueError(f"no meter grammar for M:{meter} with L:{unit}")
    return int(bar)


def bars_lasting(seconds: float, meter: str, tempo: int) -> int:
    """How many bars of `meter` last at least `seconds` at `tempo` quarter notes a minute."""
    quarters_per_bar = bar_quarters(meter, "1/4") / QUARTERS
    return math.ceil(seconds * tempo / 60 / quarters_per_bar)


def meter_grammar(meter: str, unit: str, min_bars: int, max_bars: int) -> str:
    """The grammar for a tune body in `meter` with unit `unit`: an optional pickup, at least
    `min_bars` full bars, then a last bar that may be short."""
    full = bar_quarters(meter, unit)
    if full % 2:
        raise ValueError(f"no meter grammar for M:{meter} with L:{unit}")
    top = [
        f"root ::= (pickup sp)? bar{{{min_bars},{max_bars}}} last nl",
        'pickup ::= ("|:" sp)? short sp "|"',
        f"bar ::= fill-{full} sp barline sp nl",
        'last ::= upto sp ("|]" | ":|" | "||")',
    ]
    return "\n".join([*top, *fill_rules(full)]) + COMMON_RULES
