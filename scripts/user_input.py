"""What users type (styles, a song count), checked the same way on the command line and in the
text UI; each problem is one clear sentence."""

from __future__ import annotations

from scripts import temporary
from scripts.arrangement import parse_styles


class InputError(ValueError):
    """The text cannot be used; the message says what would be right."""


def checked_styles(text: str) -> tuple[str, ...]:
    styles = parse_styles(text)
    if not styles:
        raise InputError('styles are empty: give at least one, e.g. "Chill, Jazz"')
    if len(text) > temporary.MAX_STYLES_LENGTH:
        raise InputError(f"styles are too long (at most {temporary.MAX_STYLES_LENGTH} characters)")
    return styles


def checked_count(text: str, maximum: int = temporary.MAX_SONGS_PER_BATCH) -> int:
    try:
        count = int(text.strip())
    except ValueError:
        raise InputError(f"count must be a whole number, not {text!r}") from None
    if not 1 <= count <= maximum:
        raise InputError(f"count must be between 1 and {maximum}, not {count}")
    return count
