"""The songs under output/: each is an .mp3 with its .abc, .mid and .json sidecar, plus an index.

A song is written under temporary names and renamed, the sidecar last: a song exists exactly when
its sidecar does, so a crash or a cancel never leaves half a song in the library. While a song is
being saved its writer holds a lock (its claim) on the song's name: a batch clears only partial
files nobody holds, never another batch's (or process's) song in progress.

The index (library.json) is a cache of the sidecars plus the play counts, which only it keeps.
Every change to it is made under a lock, on the index as it is on disk at that moment, so two
threads or two processes (the CLI and the TUI) never lose each other's updates. The lock files
live in the temporary folder (temporary.LOCK_DIR_NAME), not among the user's songs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

from scripts import temporary
from scripts.input_files import InputFileError, move_aside, read_bytes, read_json
from scripts.library.file_lock import FileLock, held_elsewhere
from scripts.library.titles import unique_title
from scripts.utility import atomic_write_text, plural, printable, slugify

SONG_EXTENSIONS = (".abc", ".mid", ".mp3")
SIDECAR = ".json"
# Where a song's entry starts in the index as the app writes it (its first key is "id"): in a
# damaged index, each entry that is still whole is read from there by the JSON parser.
ENTRY_START = re.compile(r'\{\s*"id"\s*:')


class LibraryError(OSError):
    """The output folder cannot be used; the message says which and why."""


def writable_folder(folder: Path) -> Path:
    """Create the folder if needed and prove a file can be written there."""
    if folder.exists() and not folder.is_dir():
        raise LibraryError(f"the output folder {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise LibraryError(
            f"cannot write to the output folder {folder}: {error.strerror or error}"
        ) from None
    return folder


def text(value, default: str = "") -> str:
    return printable(value) if isinstance(value, str) else default


def number(value, default: float = 0.0) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value == value
    return float(value) if ok and abs(value) < 1e9 else default


@dataclass
class Song:
    """A song as the library lists it, the jukebox plays it and the browser finds it: the
    sidecar's summary and its play count. Read tolerantly, from a sidecar or an index entry: a
    field of the wrong type (an old or hand-edited file) gets its default, and text loses any
    control characters, so listing a song never breaks or changes the terminal."""

    id: str
    title: str = ""
    artist: str = ""
    members: list[dict] = field(default_factory=list)  # [{"name", "instrument"}]
    styles: list[str] = field(default_factory=list)  # as typed (or the invented genre)
    arranged_as: str = ""  # "Sea shanty → folk, 6/8"
    duration_seconds: float = 0.0
    created: str = ""
    model: str = ""
    seed: int | None = None
    plays: int = 0
    lyrics_text: str = ""  # every sung line, for search (the sidecar has them by part)

    @classmethod
    def from_record(cls, song_id: str, record: dict) -> Song:
        """From an index entry, or from a sidecar (its "artist_members" and "lyrics")."""
        seed = record.get("seed")
        members = record.get("members", record.get("artist_members"))
        words = record.get("lyrics_text")
        return cls(
            id=song_id,
            title=text(record.get("title")),
            artist=text(record.get("artist")),
            members=[
                {"name": text(m.get("name")), "instrument": text(m.get("instrument"))}
                for m in members
                if isinstance(m, dict)
            ]
            if isinstance(members, list)
            else [],
            styles=texts(record.get("styles")),
            arranged_as=text(record.get("arranged_as")),
            duration_seconds=max(0.0, number(record.get("duration_seconds"))),
            created=text(record.get("created")),
            model=text(record.get("model")),
            seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
            plays=max(0, int(number(record.get("plays")))),
            lyrics_text=text(words) if isinstance(words, str) else sung_lines(record.get("lyrics")),
        )

    def record(self) -> dict:
        # by hand, not dataclasses.asdict: it deep-copies, and a big library reads 10,000
        return {name: getattr(self, name) for name in RECORD_FIELDS}

    @classmethod
    def from_index(cls, record) -> Song | None:
        """An index entry exactly as the app writes it, as a Song; None for anything else (a
        damaged entry makes the index rebuilt from the sidecars)."""
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            return None
        if record.keys() != RECORD_KEYS:
            return None
        song = cls.from_record(record["id"], record)
        return song if song.record() == record else None


RECORD_FIELDS = tuple(f.name for f in fields(Song))
RECORD_KEYS = frozenset(RECORD_FIELDS)


def texts(value) -> list[str]:
    return (
        [text(item) for item in value if isinstance(item, str)] if isinstance(value, list) else []
    )


def sung_lines(lyrics) -> str:
    """A sidecar's lyrics by part (or anything else found there) as one line of words."""
    if not isinstance(lyrics, list):
        return ""
    parts = [part.get("lines") for part in lyrics if isinstance(part, dict)]
    return " / ".join(" / ".join(texts(lines)) for lines in parts if texts(lines))


def songs_in_text(text: str) -> list[Song]:
    """The whole song entries in a damaged index's text (cut short, partly overwritten, of the
    wrong shape): each is parsed where it starts, nested members and all; the rest is skipped."""
    decoder, songs, end = json.JSONDecoder(), [], 0
    for start in ENTRY_START.finditer(text):
        if start.start() < end:
            continue  # inside an entry already read
        try:
            record, end = decoder.raw_decode(text, start.start())
        except (ValueError, RecursionError):
            continue
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            songs.append(Song.from_record(record["id"], record))
    return songs


def most_played(songs: list[Song]) -> list[Song]:
    """Top tracks: most played first, then newest."""
    return sorted(songs, key=lambda song: (song.plays, song.created), reverse=True)


class SongLibrary:
    def __init__(self, folder: Path):
        self.folder = folder
        self.index_path = folder / temporary.LIBRARY_INDEX_NAME
        self.notices: list[str] = []  # what a reader should tell the user (a damaged index)
        self.claims: dict[str, FileLock] = {}  # the songs this library is saving, by stem
        self.title_claims: dict[str, FileLock] = {}  # their titles' claims, by stem
        self.titles_claimed: dict[str, FileLock] = {}  # claimed titles without a stem yet

    # --- writing songs ---------------------------------------------------------------------------

    def lock_path(self, name: str) -> Path:
        """A lock file for this folder (any spelling of it) and `name`, in the temporary folder."""
        folder = Path(tempfile.gettempdir()) / temporary.LOCK_DIR_NAME
        folder.mkdir(exist_ok=True)
        key = hashlib.sha256(str(self.folder.resolve()).encode("utf-8")).hexdigest()[:20]
        return folder / f"{key}-{name}.lock"

    def remove_partials(self) -> int:
        """Delete what an interrupted save left behind: the partial files of songs that no
        writer holds (a crashed or killed one). Returns how many files."""
        removed = 0
        for path in self.folder.glob(f"*{temporary.PARTIAL_SUFFIX}"):
            stem = path.name.split(".", 1)[0]  # stems have no dots (utility.slugify)
            try:
                claim = self.lock_path(stem)
                if held_elsewhere(claim):
                    continue  # another batch is saving this song right now
                claim.unlink(missing_ok=True)
            except OSError:
                pass  # no lock folder: nobody can hold a claim
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def claim(self, stem: str) -> None:
        """Hold the song's name while its partial files exist (released by commit or discard)."""
        if stem not in self.claims:
            lock = FileLock(self.lock_path(stem))
            lock.acquire()
            self.claims[stem] = lock

    def release(self, stem: str) -> None:
        for lock in (self.claims.pop(stem, None), self.title_claims.pop(stem, None)):
            if lock is not None:
                lock.path.unlink(missing_ok=True)
                lock.release()

    def claim_title(self, title: str) -> str:
        """The title, or its next free sequel, among the library's songs and the songs any
        process is saving right now (two batches at once with one seed invent the same titles);
        held until the song under it is committed or discarded."""
        taken = set(self.titles())
        while True:
            candidate = unique_title(title, taken)
            key = hashlib.sha256(candidate.casefold().encode("utf-8")).hexdigest()[:20]
            try:
                lock = FileLock(self.lock_path(f"title-{key}"))
                if not lock.acquire(wait=False):
                    taken.add(candidate)  # being saved by another batch
                    continue
            except OSError:
                return candidate  # no lock folder: nobody can hold a claim
            self.titles_claimed[candidate] = lock
            return candidate

    def new_stem(self, title: str) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        stem = f"{stamp}-{slugify(title)}"
        number = 2
        while (self.folder / f"{stem}{SIDECAR}").exists() or (self.folder / f"{stem}.mp3").exists():
            stem = f"{stamp}-{slugify(title)}-{number}"
            number += 1
        if title in self.titles_claimed:  # from now on released with the stem's claim
            self.title_claims[stem] = self.titles_claimed.pop(title)
        return stem

    def partial_path(self, stem: str, extension: str) -> Path:
        self.claim(stem)
        return self.folder / f"{stem}{extension}{temporary.PARTIAL_SUFFIX}"

    def commit(self, stem: str, sidecar: dict) -> dict:
        """Rename a song's finished partial files into place, the sidecar last, and index it."""
        sidecar = {**sidecar, "files": {ext[1:]: f"{stem}{ext}" for ext in SONG_EXTENSIONS}}
        atomic_write_text(
            self.partial_path(stem, SIDECAR),
            json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n",
        )
        for extension in (*SONG_EXTENSIONS, SIDECAR):
            os.replace(self.partial_path(stem, extension), self.folder / f"{stem}{extension}")
        self.release(stem)
        song = Song.from_record(stem, sidecar)
        self.update(lambda songs: [s for s in songs if s.id != stem] + [song])
        return sidecar

    def discard(self, stem: str) -> None:
        for extension in (*SONG_EXTENSIONS, SIDECAR):
            self.partial_path(stem, extension).unlink(missing_ok=True)
        self.release(stem)

    # --- the index -------------------------------------------------------------------------------

    def scan(self, plays: dict[str, int] | None = None) -> list[Song]:
        """Rebuild the index from the sidecars on disk (the sidecars are the truth). A song
        whose sidecar cannot be read is still listed, by its file name, and said so."""
        songs = []
        for stem in sorted(self.song_stems()):
            try:
                sidecar = read_json(self.folder / f"{stem}{SIDECAR}")
            except InputFileError as error:
                sidecar = str(error)
            if not isinstance(sidecar, dict):
                problem = sidecar if isinstance(sidecar, str) else "is not a JSON object"
                self.notices.append(
                    f"the sidecar {stem}{SIDECAR}: {problem}; its song is listed without its "
                    "details"
                )
                sidecar = {}
            songs.append(Song.from_record(stem, {**sidecar, "plays": 0}))
        songs.sort(key=lambda song: (song.created, song.id))
        plays = self.saved_plays() if plays is None else plays
        for song in songs:
            song.plays = plays.get(song.id, 0)
        return songs

    def read_index(self) -> tuple[list | None, str]:
        """The index's song list as stored, or None and why it cannot be used ("" = missing)."""
        try:
            document = read_json(self.index_path, temporary.LIBRARY_INDEX_MAX_BYTES)
        except InputFileError as error:
            return None, "" if error.missing else str(error)
        songs = document.get("songs") if isinstance(document, dict) else None
        if not isinstance(songs, list):
            return None, "no list of songs"
        return songs, ""

    def saved_plays(self) -> dict[str, int]:
        """Play counts in the index as it is, even a stale or damaged one: only it keeps them."""
        songs, _ = self.read_index()
        if songs is not None:
            return {
                song["id"]: Song.from_record(song["id"], song).plays
                for song in songs
                if isinstance(song, dict) and isinstance(song.get("id"), str)
            }
        try:
            data = read_bytes(self.index_path, temporary.LIBRARY_INDEX_MAX_BYTES)
        except InputFileError:
            return {}
        return {song.id: song.plays for song in songs_in_text(data.decode("utf-8", "replace"))}

    def indexed_songs(self) -> list[Song] | None:
        """The index when it is sound and matches the MP3s on disk; None otherwise."""
        records, _ = self.read_index()
        if records is None:
            return None
        songs = [Song.from_index(record) for record in records]
        if None in songs:
            return None
        return songs if {song.id for song in songs} == self.song_stems() else None

    def song_stems(self) -> set[str]:
        """The songs on disk: an MP3 with its sidecar (an MP3 alone, a user's own file say, is
        no song of the library and must not make every reader rebuild the index)."""
        names = {path.name for path in self.folder.iterdir()} if self.folder.is_dir() else set()
        return {
            name[: -len(".mp3")]
            for name in names
            if name.endswith(".mp3") and f"{name[: -len('.mp3')]}{SIDECAR}" in names
        }

    def current(self) -> list[Song]:
        """The index if it can be trusted, else rebuilt from the sidecars (with the play counts
        it still holds); a damaged index is kept beside it as a backup and said so."""
        songs = self.indexed_songs()
        if songs is not None:
            return songs
        _, problem = self.read_index()
        plays = self.saved_plays()
        if problem and self.index_path.exists():
            self.back_up_index(problem, len(plays))
        return self.scan(plays)

    def back_up_index(self, problem: str, recovered: int) -> None:
        try:
            backup = move_aside(self.index_path)
        except OSError as error:
            note = f"cannot be moved aside ({error.strerror or error})"
        else:
            note = f"was moved to {backup.name}"
        self.notices.append(
            f"{self.index_path} was unreadable ({problem}); it {note} and the index was rebuilt "
            f"from the songs' files, with {plural(recovered, 'play count')} recovered"
        )

    def update(self, change: Callable[[list[Song]], list[Song]]) -> list[Song]:
        """Change the index: read afresh under the lock, changed, written, released. A folder
        that cannot be written (a read-only one) is read and left as it is."""
        try:
            lock = FileLock(self.lock_path(temporary.LIBRARY_INDEX_NAME))
            lock.acquire()
        except OSError:
            return change(self.current())
        try:
            songs = change(self.current())
            document = {"songs": [song.record() for song in songs]}
            try:
                atomic_write_text(self.index_path, json.dumps(document, indent=1) + "\n")
            except OSError:
                pass  # the index is a cache of the sidecars; it is rebuilt next time
            return songs
        finally:
            lock.release()

    def songs(self) -> list[Song]:
        """All songs, oldest first. A missing, damaged or stale index is rebuilt from disk."""
        songs = self.indexed_songs()
        return songs if songs is not None else self.update(lambda songs: songs)

    def titles(self) -> list[str]:
        """Every song's title. Writes nothing: a song still being made may yet be cancelled."""
        songs = self.indexed_songs()
        return [song.title for song in (self.scan() if songs is None else songs)]

    def record_play(self, stem: str) -> None:
        """A song started playing: one more play in the index (its "top tracks" order)."""

        def played(songs: list[Song]) -> list[Song]:
            for song in songs:
                if song.id == stem:
                    song.plays += 1
            return songs

        self.update(played)

    def top_tracks(self, artist: str) -> list[Song]:
        """The artist's songs (name as typed, any case), most played first, then newest."""
        wanted = artist.casefold().strip()
        return most_played([song for song in self.songs() if song.artist.casefold() == wanted])

    def delete(self, stem: str) -> None:
        """Remove a song's files, the sidecar first (a song without one is not in the library)."""
        for extension in (SIDECAR, *SONG_EXTENSIONS):
            (self.folder / f"{stem}{extension}").unlink(missing_ok=True)
        self.update(lambda songs: [song for song in songs if song.id != stem])

    def sidecar(self, stem: str) -> dict:
        """The song's sidecar, or {} when it is gone or damaged (the index still lists it)."""
        try:
            found = read_json(self.folder / f"{stem}{SIDECAR}")
        except InputFileError:
            return {}
        return found if isinstance(found, dict) else {}
