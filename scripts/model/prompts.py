"""Prompt building: the templates from data/persistent.json filled in for one song."""

from __future__ import annotations

import re

from scripts import temporary
from scripts.style.style_match import Blend

EMPTY_FIELD_RE = re.compile(r"^[A-Za-z]:\s*$")
TITLE_MARK = "\x00"  # where {title} was: a character no style or field can hold


class PromptError(ValueError):
    """A prompt template is broken (an unknown {field}, an unclosed brace)."""


def header_fields(blend: Blend, key: str, tempo: int) -> dict[str, str]:
    """What the prompt template may use, and the header defaults the repaired tune falls back on."""
    return {
        "meter": blend.meter,
        "unit": "1/8",
        "key": key,
        "tempo": f"1/4={tempo}",
        "rhythm": blend.rhythm,
        "styles": ", ".join(blend.styles),
    }


def fill(template: str, fields: dict[str, str]) -> str:
    """The template with its {fields} filled in; PromptError names the fields it may use."""
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError) as error:
        if isinstance(error, KeyError):
            problem = f"it has no field {{{error.args[0]}}}"
        elif isinstance(error, IndexError):
            problem = "a field {} needs a name"
        else:  # "Single '}' encountered in format string" and the like
            problem = f"{str(error)[:1].lower()}{str(error)[1:]} (write {{{{ and }}}} for braces)"
        allowed = ", ".join("{" + name + "}" for name in fields)
        raise PromptError(
            f"the prompt template is broken: {problem}; its fields: {allowed}"
        ) from None


def check_template(name: str, template: str) -> str:
    """A prompt template (not the grammar), tried the way it will be used; PromptError says
    what is wrong with it."""
    if name == "chatmusician" and "{message}" not in template:
        raise PromptError("the ChatMusician prompt needs {message}, where the request goes")
    if name == "chatmusician":
        fill(template, {"message": ""})
    elif name == "abc_header":
        build_prompt(template, temporary.PROMPT_SAMPLE_FIELDS)
    else:
        fill(template, temporary.PROMPT_SAMPLE_FIELDS)
    return template


def build_prompt(template: str, fields: dict[str, str]) -> str:
    """The template filled in; a header field left empty ("R:") is dropped, not sent."""
    prompt = fill(template, {**fields, "title": TITLE_MARK})
    return "".join(line for line in prompt.splitlines(True) if not EMPTY_FIELD_RE.match(line))


def messages(system: str, request: str) -> list[dict]:
    """A chat: what the model is, then what it is asked."""
    return [{"role": "system", "content": system}, {"role": "user", "content": request}]


def chat_messages(prompts: dict, fields: dict[str, str]) -> list[dict]:
    """The request for a tune, in words, for a chat model."""
    return messages(prompts["chat_system"], fill(prompts["chat_user"], fields))


def model_format(setting: str, catalog_format: str | None, has_chat_template: bool) -> str:
    """How to ask this model for a tune: the user's choice, else what the catalog says of it,
    else a chat model when its GGUF carries a chat template, else an ABC continuation."""
    if setting != "auto":
        return setting
    return catalog_format or ("chat" if has_chat_template else "abc")


def split_at_title(prompt: str) -> tuple[str, str]:
    """A built prompt → (before the title, after it). With no {title} in the template the model
    is given the whole header at once: (prompt, "")."""
    before, found, after = prompt.partition(TITLE_MARK)
    return (before, after) if found else (prompt, "")
