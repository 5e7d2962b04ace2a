"""Lyrics by song part from a chat model ([Verse 1], [Chorus], [Verse 2], [Bridge], [Chorus]) as
JSON held to a schema and checked; which part is sung at a moment of playback. No curses here.
A song whose lyrics fail is instrumental: words never cost a song."""

from __future__ import annotations

import threading

from scripts import temporary
from scripts.model.chat_json import (
    Answer,
    Rejected,
    ask_json,
    chat_sampling,
    clean_text,
    object_schema,
    string_schema,
)
from scripts.model.models import TextModel
from scripts.model.prompts import messages


def lyrics_schema() -> dict:
    low, high = temporary.LYRIC_LINES
    lines = {
        "type": "array",
        "items": string_schema(temporary.LYRIC_LINE_LENGTH),
        "minItems": low,
        "maxItems": high,
    }
    return object_schema({part: lines for part in temporary.LYRIC_PARTS})


def checked_lyrics(reply: dict) -> list[dict]:
    """[{"part", "lines"}] in the order the song sings them; Rejected when a part is missing,
    too short or too long, or a line is blank or has no letters."""
    low, high = temporary.LYRIC_LINES
    written = {}
    for part in temporary.LYRIC_PARTS:
        lines = reply.get(part)
        if not isinstance(lines, list) or not low <= len(lines) <= high:
            raise Rejected(f"[{part}] needs {low}-{high} lines")
        written[part] = [
            clean_text(line, temporary.LYRIC_LINE_LENGTH, f"line of [{part}]") for line in lines
        ]
    return [{"part": part, "lines": written[part]} for part in temporary.LYRIC_ORDER]


def lyrics_request(title: str, artist: str, styles: tuple[str, ...]) -> list[dict]:
    low, high = temporary.LYRIC_LINES
    request = temporary.LYRICS_REQUEST.format(
        title=title,
        artist=artist,
        styles=", ".join(styles),
        parts=", ".join(temporary.LYRIC_PARTS),
        low=low,
        high=high,
    )
    return messages(temporary.LYRICS_SYSTEM, request)


def model_lyrics(
    model: TextModel,
    settings: dict,
    title: str,
    artist: str,
    styles: tuple[str, ...],
    seed: int,
    cancel: threading.Event,
) -> Answer:
    """The model's checked lyrics (Answer.value is None when every try failed, and
    Answer.reasons says why)."""
    return ask_json(
        model,
        lyrics_request(title, artist, styles),
        lyrics_schema(),
        checked_lyrics,
        chat_sampling(settings, temporary.LYRICS_MAX_TOKENS),
        seed,
        cancel,
    )


def as_text(parts: list[dict]) -> str:
    """Lyrics as a lyrics sheet: '[Verse 1]' then its lines, a blank line between parts."""
    return "\n\n".join(f"[{part['part']}]\n" + "\n".join(part["lines"]) for part in parts)


def part_at(parts: list[dict], position: float, duration: float) -> int:
    """The index of the part being sung: by the second each part starts where the sidecar says
    (the sections that carry the tune); else the parts share the song equally, in order."""
    if not parts or duration <= 0:
        return 0
    starts = [part.get("start") for part in parts]
    if all(isinstance(s, int | float) and not isinstance(s, bool) for s in starts):
        return max(0, sum(start <= position for start in starts) - 1)
    share = min(max(position / duration, 0.0), 1.0)
    return min(int(share * len(parts)), len(parts) - 1)
