"""Asking a chat model for JSON that fits a schema: the schema becomes a GBNF grammar, so the
reply parses by construction; what the schema cannot say (a real genre, blank words) a checker
rejects, and the model is asked again a bounded number of times. No curses here."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from scripts import temporary
from scripts.input_files import nesting_depth
from scripts.model.models import Sampling, TextModel
from scripts.utility import printable

SEED_STEP = 7_919  # a retry's seed, away from the first one


class Rejected(ValueError):
    """The model's answer parsed but is unusable; the message says why."""


@dataclass
class Answer:
    """The checked value (None when every try failed) and why each rejected try was rejected."""

    value: object = None
    tries: int = 0
    reasons: list[str] = field(default_factory=list)


def schema_grammar(schema: dict) -> str:
    """GBNF text for a JSON schema, by llama-cpp-python's own converter (a pure function)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(json.dumps(schema))


def string_schema(bounds: tuple[int, int]) -> dict:
    """Text of at least bounds[0] characters. The upper bound is left to the checker: the
    converter writes maxLength as one nested optional rule per character, a large grammar
    (whether it slows sampling was not measured apart from a busy machine)."""
    return {"type": "string", "minLength": bounds[0]}


def object_schema(properties: dict) -> dict:
    """All properties required, in this order, nothing else."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def parse(text: str) -> dict:
    # A server may not hold its model to the grammar: a reply of brackets would overflow the
    # parser's recursion (a RecursionError, not a rejected answer) without this bound.
    if nesting_depth(text) > temporary.JSON_MAX_DEPTH:
        raise Rejected(f"the reply nests deeper than {temporary.JSON_MAX_DEPTH} levels")
    # strict=False: the grammar lets a raw newline into a string; the checkers tidy it away.
    try:
        value = json.loads(text, strict=False)
    except ValueError:
        raise Rejected(f"the reply is not complete JSON: {text[-40:]!r}") from None
    if not isinstance(value, dict):
        raise Rejected("the reply is not a JSON object")
    return value


def ask_json(
    model: TextModel,
    messages: list[dict],
    schema: dict,
    check: Callable[[dict], object],
    sampling: Sampling,
    seed: int,
    cancel: threading.Event,
) -> Answer:
    """The first answer `check` accepts (it returns the value or raises Rejected), in at most
    temporary.IDENTITY_CHAT_TRIES tries."""
    grammar = schema_grammar(schema)
    answer = Answer()
    for attempt in range(temporary.IDENTITY_CHAT_TRIES):
        answer.tries = attempt + 1
        text = model.chat(
            messages, sampling, seed + attempt * SEED_STEP, lambda count: None, cancel, grammar
        )
        try:
            answer.value = check(parse(text))
            return answer
        except Rejected as error:
            answer.reasons.append(str(error))
    return answer


def chat_sampling(settings: dict, max_tokens: int) -> Sampling:
    return replace(Sampling.from_settings(settings), max_tokens=max_tokens)


def clean_text(value: object, bounds: tuple[int, int], what: str) -> str:
    """A string without control characters, its whitespace collapsed, within `bounds`
    characters, with a letter in it."""
    if not isinstance(value, str):
        raise Rejected(f"the {what} is not text")
    text = " ".join(printable(value).split())
    low, high = bounds
    if not low <= len(text) <= high:
        raise Rejected(f"the {what} {text!r} is not {low}-{high} characters long")
    if not any(char.isalpha() for char in text):
        raise Rejected(f"the {what} {text!r} has no letters")
    return text
