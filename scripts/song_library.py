"""The songs under output/: each is an .mp3 with its .abc, .mid and .json sidecar, plus an index.

A song is written under temporary names and renamed, the sidecar last: a song exists exactly when
its sidecar does, so a crash or a cancel never leaves half a song in the library.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from scripts import temporary
from scripts.utility import atomic_write_text, slugify

SONG_EXTENSIONS = (".abc", ".mid", ".mp3")
SIDECAR = ".json"


class LibraryError(OSError):
    """The output folder cannot be used; the message says which and why."""


def writable_folder(folder: Path) -> Path:
    """Create the folder if needed and prove a file can be written there."""
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


class SongLibrary:
    def __init__(self, folder: Path):
        self.folder = folder
        self.index_path = folder / temporary.LIBRARY_INDEX_NAME

    def remove_partials(self) -> int:
        """Delete what an interrupted save left behind. Returns how many files."""
        leftovers = list(self.folder.glob(f"*{temporary.PARTIAL_SUFFIX}"))
        for path in leftovers:
            path.unlink(missing_ok=True)
        return len(leftovers)

    def new_stem(self, title: str) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        stem = f"{stamp}-{slugify(title)}"
        number = 2
        while (self.folder / f"{stem}{SIDECAR}").exists() or (self.folder / f"{stem}.mp3").exists():
            stem = f"{stamp}-{slugify(title)}-{number}"
            number += 1
        return stem

    def partial_path(self, stem: str, extension: str) -> Path:
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
        self.add_to_index(stem, sidecar)
        return sidecar

    def discard(self, stem: str) -> None:
        for extension in (*SONG_EXTENSIONS, SIDECAR):
            self.partial_path(stem, extension).unlink(missing_ok=True)

    # --- index ---------------------------------------------------------------------------------

    @staticmethod
    def summary(stem: str, sidecar: dict) -> dict:
        keys = ("title", "artist", "styles", "duration_seconds", "created", "model", "seed")
        return {"id": stem, **{key: sidecar.get(key) for key in keys}, "plays": 0}

    def scan(self) -> list[dict]:
        """Rebuild the index from the sidecars on disk (the sidecars are the truth)."""
        songs = []
        for path in sorted(self.folder.glob(f"*{SIDECAR}")):
            if path.name == temporary.LIBRARY_INDEX_NAME:
                continue
            try:
                sidecar = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(sidecar, dict) and (self.folder / f"{path.stem}.mp3").exists():
                songs.append(self.summary(path.stem, sidecar))
        songs.sort(key=lambda song: (song.get("created") or "", song["id"]))
        plays = self.saved_plays()
        for song in songs:
            song["plays"] = plays.get(song["id"], 0)
        return songs

    def saved_plays(self) -> dict[str, int]:
        """Play counts in the index as it is, even a stale one: only the index keeps them."""
        try:
            songs = json.loads(self.index_path.read_text(encoding="utf-8"))["songs"]
            return {song["id"]: int(song.get("plays") or 0) for song in songs}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def indexed_songs(self) -> list[dict] | None:
        """The index when it matches the MP3s on disk; None when missing, corrupt or stale."""
        try:
            songs = json.loads(self.index_path.read_text(encoding="utf-8"))["songs"]
            if all((self.folder / f"{song['id']}.mp3").exists() for song in songs) and len(
                songs
            ) == sum(1 for _ in self.folder.glob("*.mp3")):
                return songs
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def songs(self) -> list[dict]:
        """All songs, oldest first. A missing, corrupt or stale index is rebuilt from disk."""
        songs = self.indexed_songs()
        if songs is None:
            songs = self.scan()
            self.write_index(songs)
        return songs

    def titles(self) -> list[str]:
        """Every song's title. Writes nothing: a song still being made may yet be cancelled."""
        songs = self.indexed_songs()
        return [song.get("title") or "" for song in (self.scan() if songs is None else songs)]

    def write_index(self, songs: list[dict]) -> None:
        try:
            atomic_write_text(self.index_path, json.dumps({"songs": songs}, indent=1) + "\n")
        except OSError:
            pass  # the index is a cache of the sidecars; songs() rebuilds it next time

    def add_to_index(self, stem: str, sidecar: dict) -> None:
        songs = [song for song in self.songs() if song["id"] != stem]
        if not any(song["id"] == stem for song in songs):
            songs.append(self.summary(stem, sidecar))
        self.write_index(songs)

    def record_play(self, stem: str) -> None:
        """A song started playing: one more play in the index (its "top tracks" order)."""
        songs = self.songs()
        for song in songs:
            if song["id"] == stem:
                song["plays"] = int(song.get("plays") or 0) + 1
        self.write_index(songs)

    def top_tracks(self, artist: str) -> list[dict]:
        """The artist's songs (name as typed, any case), most played first, then newest."""
        wanted = artist.casefold().strip()
        songs = [song for song in self.songs() if (song.get("artist") or "").casefold() == wanted]
        songs.sort(key=lambda song: song.get("created") or "", reverse=True)
        return sorted(songs, key=lambda song: int(song.get("plays") or 0), reverse=True)

    def delete(self, stem: str) -> None:
        """Remove a song's files, the sidecar first (a song without one is not in the library)."""
        for extension in (SIDECAR, *SONG_EXTENSIONS):
            (self.folder / f"{stem}{extension}").unlink(missing_ok=True)
        self.write_index([song for song in self.songs() if song["id"] != stem])

    def sidecar(self, stem: str) -> dict:
        return json.loads((self.folder / f"{stem}{SIDECAR}").read_text(encoding="utf-8"))
