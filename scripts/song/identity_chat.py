"""Song identity from a chat model: an invented micro-genre and a batch's artist, as JSON held to
a schema and checked, with the offline generators (scripts/song/identity.py) as the fallback. No
curses here."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from scripts import temporary
from scripts.model.chat_json import (
    Rejected,
    ask_json,
    chat_sampling,
    clean_text,
    object_schema,
    string_schema,
)
from scripts.model.grammars import GrammarError
from scripts.model.model_choice import job_format
from scripts.model.models import TextModel
from scripts.model.prompts import messages
from scripts.song import identity

if TYPE_CHECKING:  # the pipeline uses this module, not the other way round
    from scripts.song.pipeline import Job


def genre_schema(styles: list[str]) -> dict:
    """A genre and the closest of the library's `styles`."""
    return object_schema(
        {"genre": string_schema(temporary.GENRE_LENGTH), "closest_style": {"enum": styles}}
    )


def artist_schema() -> dict:
    member = object_schema(
        {
            "name": string_schema(temporary.NAME_LENGTH),
            "instrument": string_schema(temporary.INSTRUMENT_LENGTH),
        }
    )
    low, high = temporary.ARTIST_MEMBERS
    members = {"type": "array", "items": member, "minItems": low, "maxItems": high}
    return object_schema({"name": string_schema(temporary.NAME_LENGTH), "members": members})


def checked_genre(reply: dict, styles: list[str]) -> tuple[str, str]:
    """(genre, the style it sounds closest to); Rejected for a real or unreadable genre."""
    genre = clean_text(reply.get("genre"), temporary.GENRE_LENGTH, "genre").lower()
    if identity.is_real_genre(genre):
        raise Rejected(f"{genre!r} is a real genre")
    style = reply.get("closest_style")
    if style not in styles:
        raise Rejected(f"the closest style {style!r} is not one of the app's styles")
    return genre, style


def checked_artist(reply: dict) -> dict:
    """{"name", "members": [{"name", "instrument"}]}, as the offline artist is shaped."""
    name = clean_text(reply.get("name"), temporary.NAME_LENGTH, "artist name")
    members = reply.get("members")
    low, high = temporary.ARTIST_MEMBERS
    if not isinstance(members, list) or not low <= len(members) <= high:
        raise Rejected(f"an artist has {low}-{high} members")
    tidy = []
    for member in members:
        if not isinstance(member, dict):
            raise Rejected("a member is not an object")
        tidy.append(
            {
                "name": clean_text(member.get("name"), temporary.NAME_LENGTH, "member name"),
                "instrument": clean_text(
                    member.get("instrument"), temporary.INSTRUMENT_LENGTH, "instrument"
                ),
            }
        )
    return {"name": name, "members": tidy}


def ask_identity(model: TextModel, job: Job, seed: int, chat: list[dict], schema: dict, check):
    """The checked answer to one identity question, or None when no try passed the checks."""
    sampling = chat_sampling(job.settings, temporary.IDENTITY_MAX_TOKENS)
    return ask_json(model, chat, schema, check, sampling, seed, job.cancel).value


def model_genre(model: TextModel, job: Job, seed: int) -> tuple[str, str] | None:
    """(genre, closest style) from the model, or None."""
    styles = job.styles_library.names()
    request = temporary.GENRE_REQUEST.format(styles=", ".join(styles))
    chat = messages(temporary.GENRE_SYSTEM, request)
    return ask_identity(
        model, job, seed, chat, genre_schema(styles), lambda reply: checked_genre(reply, styles)
    )


def model_closest_style(model: TextModel, job: Job, seed: int) -> str | None:
    """The library style a chat model hears in styles the library does not know ('Zorblax
    wave'), or None when it names none or every typed style has a match already."""
    unknown = [c.typed for c in job.blend.choices if c.how == "fallback" and c.typed]
    if not unknown or job.genre_invented:
        return None
    styles = job.styles_library.names()
    request = temporary.CLOSEST_REQUEST.format(typed=", ".join(unknown), styles=", ".join(styles))
    schema = object_schema({"closest_style": {"enum": styles}})

    def checked(reply: dict) -> str:
        if reply.get("closest_style") not in styles:
            raise Rejected("the closest style is not one of the app's styles")
        return reply["closest_style"]

    chat = messages(temporary.GENRE_SYSTEM, request)
    return ask_identity(model, job, seed, chat, schema, checked)


def model_artist(model: TextModel, job: Job, styles: tuple[str, ...], seed: int) -> dict | None:
    """{"name", "members"} from the model, or None."""
    request = temporary.ARTIST_REQUEST.format(styles=", ".join(styles))
    chat = messages(temporary.ARTIST_SYSTEM, request)
    return ask_identity(model, job, seed, chat, artist_schema(), checked_artist)


def model_identity(
    model: TextModel, job: Job, seed: int
) -> tuple[tuple[str, str] | None, dict | None]:
    """(genre and closest style, artist) from the model; None for each it gave nothing good."""
    try:
        genre = model_genre(model, job, seed) if job.genre_invented else None
        styles = (genre[0],) if genre else job.styles
        return genre, model_artist(model, job, styles, seed)
    except GrammarError:  # cannot happen with a grammar that passed its test; names are optional
        return None, None


def identity_from_model(model: TextModel, job: Job, seed: int) -> Job:
    """`job` with the chat model's genre (for "surprise me") and artist where it
    gives good ones; the offline ones batch_job chose stay where it does not. Any other model
    (the starter model continues ABC: it writes no words) leaves the job as it is."""
    if job_format(model, job) != "chat":
        return job
    genre, artist = model_identity(model, job, seed)
    sources = {**job.identity_sources, "artist": "model" if artist else "offline"}
    changes = {"artist": artist or job.artist}
    try:
        closest = model_closest_style(model, job, seed)
    except GrammarError:
        closest = None
    if closest:  # typed styles the library does not know play as the style the model hears
        changes["base_styles"] = (closest,)
    if genre is not None:
        name, style = genre
        sources["genre"] = "model"
        # The invented genre is arranged as the style the model says it is near.
        changes.update(styles=(name,), base_styles=(style,))
    return replace(job, identity_sources=sources, **changes)
