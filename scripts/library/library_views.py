"""The jukebox's library browser without curses: artists with their members and top tracks,
genres and styles, sorted song lists, search as you type, and a song's details.

Everything here reads the library's Song records (the index), never the sidecars, so a library of
10,000 songs is browsed and searched without touching the disk; only a song's details read its
sidecar. The views are built once per library change (the browser caches them).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from scripts.library.song_library import Song, most_played

SORTS = ("newest", "title", "artist", "most played")  # the Songs view's orders, in cycle order


@dataclass
class Artist:
    name: str
    genre: str  # the styles most of its songs were made in
    members: list[dict]  # [{"name", "instrument"}], from its newest song
    songs: list[Song]  # top tracks: most played first, then newest

    @property
    def plays(self) -> int:
        return sum(song.plays for song in self.songs)


@dataclass
class Genre:
    name: str  # as first typed
    songs: list[Song]  # most played first, then newest


def artists(songs: list[Song]) -> list[Artist]:
    """Every artist (any case of a name is one artist), by name."""
    grouped: dict[str, list[Song]] = {}
    for song in songs:
        grouped.setdefault((song.artist or "(unknown artist)").casefold(), []).append(song)
    found = []
    for group in grouped.values():
        newest = max(group, key=lambda song: song.created)
        genre = Counter(", ".join(song.styles) for song in group if song.styles).most_common(1)
        found.append(
            Artist(
                name=newest.artist or "(unknown artist)",
                genre=genre[0][0] if genre else "",
                members=newest.members,
                songs=most_played(group),
            )
        )
    return sorted(found, key=lambda artist: artist.name.casefold())


def genres(songs: list[Song]) -> list[Genre]:
    """Every style typed (a song made in "jazz, rock" is under both), by name."""
    grouped: dict[str, tuple[str, list[Song]]] = {}
    for song in songs:
        for style in song.styles or ["(no style)"]:
            grouped.setdefault(style.casefold().strip(), (style.strip(), []))[1].append(song)
    found = [Genre(name, most_played(group)) for name, group in grouped.values()]
    return sorted(found, key=lambda genre: genre.name.casefold())


def sorted_songs(songs: list[Song], order: str) -> list[Song]:
    if order == "title":
        return sorted(songs, key=lambda song: (song.title.casefold(), song.id))
    if order == "artist":
        return sorted(songs, key=lambda song: (song.artist.casefold(), song.title.casefold()))
    if order == "most played":
        return most_played(songs)
    return sorted(songs, key=lambda song: (song.created, song.id), reverse=True)


def search_text(song: Song) -> str:
    """What a search looks in: title, artist, members and their instruments, styles, lyrics."""
    members = " ".join(f"{m['name']} {m['instrument']}" for m in song.members)
    return "\n".join(
        (
            song.title,
            song.artist,
            members,
            " ".join(song.styles),
            song.arranged_as,
            song.lyrics_text,
        )
    ).casefold()


class SongSearch:
    """Search as you type: every word typed must appear (in any field, in any order). Songs whose
    title or artist holds the words come first, newest first within each group. A query that
    extends the last one searches only the last one's results, so each keypress stays cheap."""

    def __init__(self, songs: list[Song]):
        self.songs = sorted_songs(songs, "newest")
        self.texts = {song.id: search_text(song) for song in self.songs}
        self.last: tuple[list[str], list[Song]] = ([], self.songs)

    def find(self, query: str) -> list[Song]:
        words = query.casefold().split()
        if not words:
            return []
        last_words, last_found = self.last
        narrower = last_words and all(
            any(old in new for new in words) for old in last_words
        )  # every old word is inside a new one: the new results are among the old
        pool = last_found if narrower else self.songs
        found = [song for song in pool if all(word in self.texts[song.id] for word in words)]
        self.last = (words, found)

        def named(song: Song) -> bool:
            head = f"{song.title}\n{song.artist}".casefold()
            return all(word in head for word in words)

        return [song for song in found if named(song)] + [s for s in found if not named(s)]


def details(song: Song, sidecar: dict) -> list[list[tuple[str, str]]]:
    """A song's facts for its details panel, from the sidecar (the index has no key or tempo),
    in groups that share a line: [[(label, value), ...], ...], empty facts left out."""

    def fact(name: str) -> str:
        value = sidecar.get(name)
        return "" if value is None or isinstance(value, dict | list) else str(value)

    minutes, seconds = divmod(round(song.duration_seconds), 60)
    members = ", ".join(f"{m['name']} ({m['instrument']})" for m in song.members)
    groups = [
        [("Title", song.title), ("Artist", song.artist)],
        [("Members", members)],
        [("Styles", ", ".join(song.styles)), ("Arranged as", song.arranged_as)],
        [
            ("Key", fact("key")),
            ("Tempo", f"{fact('tempo')} bpm" if fact("tempo") else ""),
            ("Bars", fact("bars")),
            ("Length", f"{minutes}:{seconds:02d}"),
        ],
        [("Model", song.model), ("Seed", "" if song.seed is None else str(song.seed))],
        [("Created", song.created.replace("T", " ")), ("Plays", str(song.plays))],
    ]
    kept = [[(label, value) for label, value in group if value] for group in groups]
    return [group for group in kept if group]


def lyric_parts(sidecar: dict) -> list[tuple[str, list[str]]]:
    """The sidecar's lyrics by part, [(part, lines)], tolerant of a damaged file."""
    found = sidecar.get("lyrics")
    if not isinstance(found, list):
        return []
    parts = []
    for part in found:
        if isinstance(part, dict) and isinstance(part.get("lines"), list):
            lines = [line for line in part["lines"] if isinstance(line, str)]
            parts.append((str(part.get("part") or "Part"), lines))
    return parts
