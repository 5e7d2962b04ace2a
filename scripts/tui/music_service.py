"""The jukebox's engine for the text UI: the library's songs in a Jukebox queue, played by a
Player, the resume state kept in the data folder. No curses; the UI thread calls tick()."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from scripts import temporary
from scripts.jukebox import Jukebox, ResumeState
from scripts.playback import PlaybackError, open_player
from scripts.settings import settings_path
from scripts.song_library import Song, SongLibrary

log = logging.getLogger(__name__)


def library_song(sidecar: dict) -> dict:
    """A finished song's sidecar as the library lists it (with its id)."""
    return Song.from_record(Path(sidecar["files"]["mp3"]).stem, sidecar).record()


class MusicService:
    def __init__(self, folder: Path):
        self.library = SongLibrary(folder)
        self.jukebox = Jukebox(self.library.songs())
        self.index_seen = self.index_stamp()
        self.next_look = time.monotonic() + temporary.LIBRARY_LOOK_S
        self.player, self.notice = open_player()  # the notice (silent clock) is shown once
        self.state_path = settings_path().parent / temporary.JUKEBOX_STATE_NAME
        self.resume: ResumeState | None = self.jukebox.load_state(self.state_path)
        if self.resume is not None:
            self.player.set_volume(self.resume.volume)
            if self.resume.song_id is None or self.resume.position < 1:
                self.resume = None  # nothing worth offering: just play
        self.loaded: str | None = None  # the id of the song in the player
        self.message = ""
        self.started = False
        self.ended = False  # played to the end of the queue: a song added now plays at once
        self.words: tuple[str | None, list[dict] | None] = (None, None)  # (song id, its lyrics)
        if self.library.notices:
            self.message = " ".join(self.library.notices)

    # --- what the screen shows ----

    def current(self) -> dict | None:
        return self.jukebox.current

    def playing_title(self) -> str:
        song = self.current()
        return song["title"] if song and self.started and self.loaded else ""

    def lyrics(self) -> list[dict] | None:
        """The current song's lyrics by part (from its sidecar, read once); None: instrumental."""
        song = self.current()
        if song is None:
            return None
        if self.words[0] != song["id"]:
            try:
                found = self.library.sidecar(song["id"]).get("lyrics")
            except (OSError, ValueError):
                found = None
            self.words = (song["id"], found if isinstance(found, list) and found else None)
        return self.words[1]

    def position(self) -> float:
        return self.player.position() if self.loaded else 0.0

    def duration(self) -> float:
        song = self.current()
        if self.loaded:
            return self.player.duration
        return float(song.get("duration_seconds") or 0) if song else 0.0

    # --- control ----

    def start(self, resume: bool = False, from_song: str | None = None) -> None:
        """Begin playing: at the saved place (resume), at a given song, or where the queue is."""
        self.started = True
        if from_song is not None:
            self.jukebox.select(from_song)
        position = self.resume.position if resume and self.resume else 0.0
        self.resume = None
        self.play_current(position)

    def play_current(self, position: float = 0.0) -> None:
        """Load and play the current song; a missing or broken file is skipped with a message."""
        for _ in range(len(self.jukebox)):
            song = self.jukebox.current
            if song is None:
                break
            path = self.library.folder / f"{song['id']}.mp3"
            try:
                self.player.load(path, song.get("duration_seconds"))
            except PlaybackError as error:
                self.message = f"Skipped: {error}"
                log.warning("skipped %s: %s", path, error)
                self.jukebox.remove(song["id"])
                continue
            self.loaded = song["id"]
            self.player.seek(position)
            self.player.play()
            if position < 1:  # a resumed song was counted when it started
                self.library.record_play(song["id"])
            return
        self.loaded, self.ended = None, True  # nothing to play yet: the next song made plays
        self.player.stop()

    def toggle_pause(self) -> None:
        if self.loaded:
            self.player.toggle_pause()
        else:  # stopped at the end of the queue: play again from the current song
            self.ended = False
            self.play_current()

    def add(self, sidecar: dict) -> None:
        """A song this app just made."""
        self.add_song(library_song(sidecar))

    def add_song(self, song: dict) -> None:
        was_empty = len(self.jukebox) == 0
        self.jukebox.add(song)
        if self.ended:
            self.ended = False
            if not was_empty:
                self.jukebox.next()
            self.play_current()

    def next(self) -> None:
        self.jukebox.next()
        self.play_current()

    def previous(self) -> None:
        self.jukebox.previous(self.position())
        self.play_current()

    def seek(self, seconds: float) -> None:
        if self.loaded:
            self.player.seek(self.player.position() + seconds)

    def change_volume(self, step: float) -> None:
        self.player.set_volume(self.player.volume + step)

    def delete_current(self) -> str:
        """Delete the current song's files; returns its title."""
        song = self.jukebox.current
        if song is None:
            return ""
        self.player.stop()
        self.loaded = None
        self.jukebox.remove(song["id"])
        self.library.delete(song["id"])
        if self.started and self.jukebox.current is not None:
            self.play_current()
        return song["title"]

    def index_stamp(self) -> tuple | None:
        try:
            stat = self.library.index_path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def look_for_new_songs(self) -> None:
        """Songs another process (a `generate` on the command line) added join the queue: the
        index is looked at every LIBRARY_LOOK_S, read again only when it changed."""
        now = time.monotonic()
        if now < self.next_look:
            return
        self.next_look = now + temporary.LIBRARY_LOOK_S
        stamp = self.index_stamp()
        if stamp == self.index_seen:
            return
        self.index_seen = stamp
        known = {song["id"] for song in self.jukebox.songs}
        for song in self.library.songs():
            if song["id"] not in known:
                self.add_song(song)

    def tick(self) -> None:
        """Move to the next song when one ends (repeat modes decide which)."""
        self.look_for_new_songs()
        if not self.started or not self.loaded or not self.player.finished():
            return
        if self.jukebox.after_finish() is None:
            self.player.stop()
            self.loaded, self.ended = None, True
            self.message = "End of the queue: new songs play as they are made."
        else:
            self.play_current()

    def close(self) -> None:
        if self.started:  # never listened this time: keep the place saved last time
            self.jukebox.save_state(self.state_path, self.position(), self.player.volume)
        self.player.close()
