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
from dataclasses import dataclass
from fractions import Fraction

from scripts.notation.abc_analysis import parse_fraction

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


@dataclass(frozen=True)
class Vocabulary:
    """What the grammar lets a bar hold: the style's note lengths (suffixes of LENGTHS), rests,
    broken-rhythm pairs and triplets. Everything by default."""

    lengths: tuple[str, ...] = tuple(LENGTHS)
    rests: bool = True
    broken: bool = True
    triplets: bool = True

    def steps(self) -> list[int]:
        """Every length one element may take, in quarters of L."""
        steps = [LENGTHS[s] for s in self.lengths]
        steps += [BROKEN_LENGTHS[s] for s in BROKEN_LENGTHS if self.broken and s in self.lengths]
        return steps + ([TRIPLET] if self.triplets else [])

    def fillable(self, full: int) -> set[int]:
        """The lengths up to a full bar that these elements can fill exactly (0 included)."""
        reachable = {0}
        for k in range(1, full + 1):
            if any(step <= k and k - step in reachable for step in self.steps()):
                reachable.add(k)
        return reachable


def continuation(rest: int) -> str:
    """What follows an element when `rest` quarters of the bar are left: a tie, then the rest."""
    return '"-"?' if rest == 0 else f'"-"? sp fill-{rest}'


def lengths_rule(k: int, words: Vocabulary, fillable: set[int]) -> str | None:
    """len-k: a length suffix and the rest of the bar. Factored this way, llama.cpp reads a pitch
    once and only then branches on its length: a grammar that branched on whole elements ran
    ten times slower."""
    options = []
    for suffix in words.lengths:
        length = LENGTHS[suffix]
        if length <= k and k - length in fillable:
            text = f'"{suffix}" ' if suffix else ""
            options.append(text + continuation(k - length))
    return f"len-{k} ::= {' | '.join(options)}" if options else None


def pairs_rule(k: int, words: Vocabulary, fillable: set[int]) -> str | None:
    """pair-k: the rest of a broken-rhythm pair ("A>B", "A2<B2") begun by a pitch."""
    options = []
    for suffix, length in BROKEN_LENGTHS.items():
        if words.broken and suffix in words.lengths and length <= k and k - length in fillable:
            text = f'"{suffix}" ' if suffix else ""
            options.append(f'{text}(">" | "<") pitch {text}{continuation(k - length)}')
    return f"pair-{k} ::= {' | '.join(options)}" if options else None


def fill_rules(full: int, words: Vocabulary) -> list[str]:
    """fill-k for every k up to a full bar that the vocabulary can fill: k quarters of L still
    to write."""
    fillable = words.fillable(full)
    rules = []
    reachable = sorted(k for k in fillable if k)
    for k in reachable:
        lengths, pair = lengths_rule(k, words, fillable), pairs_rule(k, words, fillable)
        heads = [f"len-{k}"] * bool(lengths) + [f"pair-{k}"] * bool(pair)
        # No chords [CEG]: rare in the training tunes, and a model held off what it meant to
        # write (an ending "[1") drifted into long runs of them.
        choices = [f'"~"? pitch ({" | ".join(heads)})'] if heads else []
        if words.rests and lengths:
            choices.append(f'"z" len-{k}')
        if words.triplets and k >= TRIPLET and k - TRIPLET in fillable:
            choices.append(f'"(3" pitch pitch pitch {continuation(k - TRIPLET)}')
        rules += [f"fill-{k} ::= chordsym? ({' | '.join(choices)})"]
        rules += [rule for rule in (lengths, pair) if rule]
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


def meter_grammar(
    meter: str, unit: str, min_bars: int, max_bars: int, words: Vocabulary | None = None
) -> str:
    """The grammar for a tune body in `meter` with unit `unit`: an optional pickup, at least
    `min_bars` full bars, then a last bar that may be short; notes from `words`."""
    full = bar_quarters(meter, unit)
    words = words or Vocabulary()
    fillable = words.fillable(full)
    if full % 2 or full not in fillable or not any(0 < k < full for k in fillable):
        raise ValueError(f"no meter grammar for M:{meter} with L:{unit} and these note lengths")
    top = [
        f"root ::= (pickup sp)? bar{{{min_bars},{max_bars}}} last nl",
        'pickup ::= ("|:" sp)? short sp "|"',
        f"bar ::= fill-{full} sp barline sp nl",
        'last ::= upto sp ("|]" | ":|" | "||")',
    ]
    return "\n".join([*top, *fill_rules(full, words)]) + COMMON_RULES
