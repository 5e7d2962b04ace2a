"""Prompt building: the templates from data/persistent.json filled in for one song."""

from __future__ import annotations

import re

from scripts.arrangement import Arrangement

EMPTY_FIELD_RE = re.compile(r"^[A-Za-z]:\s*$")
TITLE_MARK = "\x00"  # where {title} was: a character no style or field can hold


class PromptError(ValueError):
    """A prompt template is broken (an unknown {field}, an unclosed brace)."""


def header_fields(arrangement: Arrangement, key: str) -> dict[str, str]:
    """What the prompt template may use, and the header defaults the repaired tune falls back on."""
    return {
        "meter": arrangement.meter,
        "unit": "1/8",
        "key": key,
        "tempo": f"1/4={arrangement.tempo}",
        "rhythm": arrangement.rhythm,
        "styles": ", ".join(arrangement.styles),
    }


def build_prompt(template: str, fields: dict[str, str]) -> str:
    """The template filled in; a header field left empty ("R:") is dropped, not sent."""
    try:
        prompt = template.format(**fields, title=TITLE_MARK)
    except (KeyError, IndexError, ValueError) as error:
        raise PromptError(
            f"the prompt template is broken: {error!r} "
            f"(fields: {', '.join('{' + f + '}' for f in fields)})"
        ) from None
    return "".join(line for line in prompt.splitlines(True) if not EMPTY_FIELD_RE.match(line))


def split_at_title(prompt: str) -> tuple[str, str]:
    """A built prompt → (before the title, after it). With no {title} in the template the model
    is given the whole header at once: (prompt, "")."""
    before, found, after = prompt.partition(TITLE_MARK)
    return (before, after) if found else (prompt, "")
