"""Titles unique in a library: a title the library has already gets the next sequel numeral
("Kite Song II", "Kite Song III")."""

from __future__ import annotations

from collections.abc import Iterable

ROMAN_NUMERALS = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)
# A title's last word read as a sequel number only up to here: "Malcolm X" yes, "Washington DC" no.
HIGHEST_SEQUEL = 39


def roman(number: int) -> str:
    digits = []
    for value, letters in ROMAN_NUMERALS:
        count, number = divmod(number, value)
        digits.append(letters * count)
    return "".join(digits)


def split_sequel(title: str) -> tuple[str, int]:
    """'Kite Song III' → ('Kite Song', 3); a title without a numeral is number 1."""
    base, _, last = title.rpartition(" ")
    for number in range(2, HIGHEST_SEQUEL + 1):
        if base and last == roman(number):
            return base, number
    return title, 1


def unique_title(title: str, existing: Iterable[str]) -> str:
    """The title, or the next free sequel of it ('Kite Song II', 'Kite Song III') when the
    library has it already (case does not make titles different)."""
    taken = {name.casefold() for name in existing if name}
    base, number = split_sequel(title)
    candidate = title
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{base} {roman(number)}"
    return candidate
