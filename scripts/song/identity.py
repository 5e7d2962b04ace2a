"""Song identity, offline: invented micro-genres, artists and titles from the word lists in
data/identity_words.json. Each is a function of its seed alone, so a fixed seed gives the same
song, artist and genre again. No curses and no model here."""

from __future__ import annotations

import functools
import itertools
import random
import re
from collections.abc import Iterator

from scripts import temporary
from scripts.input_files import read_json


class IdentityError(RuntimeError):
    """The word lists cannot give what was asked (a new genre); the message says which file."""


@functools.cache
def words() -> dict:
    return read_json(temporary.IDENTITY_WORDS_PATH)


def genre_key(name: str) -> str:
    """'Nu-Disco' and 'nu disco' name one genre: compare letters and digits only."""
    return re.sub(r"[^a-z0-9&]+", "", name.lower())


@functools.cache
def real_genres() -> frozenset[str]:
    lines = temporary.REAL_GENRES_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(genre_key(line) for line in lines if line.strip())


def is_real_genre(name: str) -> bool:
    return genre_key(name) in real_genres()


def fill(template: str, rng: random.Random, lists: dict[str, list[str]]) -> str:
    """The template with each {field} replaced by a word drawn from the list of that name."""
    return template.format(**{name: rng.choice(options) for name, options in lists.items()})


def genre_candidates(seed: int) -> Iterator[str]:
    """Endless micro-genre names such as 'czech pianostep', some of them real genres."""
    lists = words()["genre"]
    rng = random.Random(f"genre {seed}")  # one stream per kind: seed 5's genre and title differ
    while True:
        yield fill(rng.choice(lists["templates"]), rng, lists["words"])


def invent_genre(seed: int) -> str:
    """The first candidate of the seed's that is not a real genre (data/real_genres.txt)."""
    for name in itertools.islice(genre_candidates(seed), temporary.GENRE_TRIES):
        if not is_real_genre(name):
            return name
    raise IdentityError(
        f"no new genre in {temporary.GENRE_TRIES} tries: "
        f"the lists in {temporary.IDENTITY_WORDS_PATH.name} make only real genres"
    )


def invent_members(rng: random.Random, count: int) -> list[dict]:
    """Distinct names and distinct instruments, so a band has no two Milo Novaks on kazoo."""
    lists = words()["artist"]
    firsts = rng.sample(lists["first_names"], count)
    surnames = rng.sample(lists["surnames"], count)
    instruments = rng.sample(lists["instruments"], count)
    return [
        {"name": f"{first} {surname}", "instrument": instrument}
        for first, surname, instrument in zip(firsts, surnames, instruments, strict=True)
    ]


def invent_artist(seed: int) -> dict:
    """{"name": a band or performer, "members": [{"name", "instrument"}, ...]} (1-5 members)."""
    lists = words()["artist"]
    rng = random.Random(f"artist {seed}")
    count = rng.randint(*temporary.ARTIST_MEMBERS)
    members = invent_members(rng, count)
    first, surname = members[0]["name"].split(" ", 1)  # the leader lends a band its name
    noun, noun2 = rng.sample(lists["nouns"], 2)
    values = {
        "first": first,
        "surname": surname,
        "adjective": rng.choice(lists["adjectives"]),
        "noun": noun,
        "noun2": noun2,
        "plural": rng.choice(lists["plurals"]),
        "ensemble": rng.choice(lists["ensembles"].get(str(count), ["Ensemble"])),
    }
    templates = lists["solo_templates"] if count == 1 else lists["band_templates"]
    return {"name": rng.choice(templates).format(**values), "members": members}


def neutral_artist() -> dict:
    """The artist of songs no batch invented one for (tunes rendered from a file)."""
    return {"name": temporary.APP_NAME, "members": []}


def invent_title(seed: int) -> str:
    lists = words()["title"]
    rng = random.Random(f"title {seed}")
    title = fill(rng.choice(lists["templates"]), rng, lists["words"])
    return title[0].upper() + title[1:]  # "the Old Mill at Dawn" starts a title
