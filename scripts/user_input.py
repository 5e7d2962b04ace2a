"""What users type (styles, a song count), checked the same way on the command line and in the
text UI; each problem is one clear sentence."""

from __future__ import annotations

from scripts import temporary
from scripts.style.style_match import parse_styles
from scripts.utility import printable


class InputError(ValueError):
    """The text cannot be used; the message says what would be right."""


def checked_styles(text: str, blank_is_surprise: bool = True) -> tuple[str, ...]:
    """The typed styles; () means "surprise me" (the caller invents a genre): "?" always, blank
    text where blank_is_surprise (the text UI; the command line wants an explicit "?")."""
    text = printable(text)  # no escape sequence reaches a file, a tag or a terminal
    if len(text) > temporary.MAX_STYLES_LENGTH:
        raise InputError(f"styles are too long (at most {temporary.MAX_STYLES_LENGTH} characters)")
    if text.strip() == temporary.SURPRISE_WORD or (blank_is_surprise and not text.strip()):
        return ()
    styles = parse_styles(text)
    if not styles:  # commas and nothing else: a slip, not a wish for a surprise
        surprise = "leave it blank" if blank_is_surprise else f"give {temporary.SURPRISE_WORD}"
        raise InputError(
            f'styles are empty: give at least one, e.g. "Chill, Jazz", or {surprise} for a '
            "surprise genre"
        )
    return styles


def checked_count(text: str, maximum: int = temporary.MAX_SONGS_PER_BATCH) -> int:
    if not text.strip():
        raise InputError(f"give the number of songs to make, 1 to {maximum}")
    try:
        count = int(text.strip())
    except ValueError:
        raise InputError(f"the number of songs must be a whole number, not {text!r}") from None
    if not 1 <= count <= maximum:
        raise InputError(f"the number of songs must be between 1 and {maximum}, not {count}")
    return count
