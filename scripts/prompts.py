"""Prompt building: the templates from data/persistent.json filled in for one song."""

from __future__ import annotations

from scripts.arrangement import Arrangement
from scripts.utility import slugify


class PromptError(ValueError):
    """A prompt template is broken (an unknown {field}, an unclosed brace)."""


def header_fields(arrangement: Arrangement, key: str) -> dict[str, str]:
    """What the prompt template may use, and the header defaults the repaired tune falls back on."""
    return {
        "meter": arrangement.meter,
        "unit": "1/8",
        "key": key,
        "tempo": f"1/4={arrangement.tempo}",
        "rhythm": slugify(arrangement.styles[0] if arrangement.styles else "tune"),
        "styles": ", ".join(arrangement.styles),
    }


def build_prompt(template: str, fields: dict[str, str]) -> str:
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError) as error:
        raise PromptError(
            f"the prompt template is broken: {error!r} "
            f"(fields: {', '.join('{' + f + '}' for f in fields)})"
        ) from None
