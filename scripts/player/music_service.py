"""The jukebox's engine for the text UI: the library's songs in a Jukebox queue, played by a
Player with the next song opened ahead (gapless), the playlists of the output folder, and the
resume state kept in the data folder. No curses; the UI thread calls tick().

The index is read and written off the curses thread (LibraryKeeper): a 10,000-song index takes a
few tenths of a second, which would freeze the screen at every song change.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path

from scripts import temporary
from scripts.library import playlists as playlist_files
from scripts.library.song_library import Song, SongLibrary
from scripts.player.jukebox import Jukebox, ResumeState, counts_as_play
from scripts.player.playback import PlaybackError, open_player
from scripts.settings import settings_path

log = logging.getLogger(__name__)


def library_song(sidecar: dict) -> Song:
    """A finished song's sidecar as the library lists it."""
    return Song.from_record(Path(sidecar["files"]["mp3"]).stem, sidecar)


def index_stamp(library: SongLibrary) -> tuple | None:
    try:
        stat = library.index_path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class LibraryKeeper:
    """A thread that records plays in the index and, every LIBRARY_LOOK_S, reads the index again
    when it changed, so songs another process (`generate` on the command line) added show up."""

    def __init__(self, library: SongLibrary):
        self.library = library
        self.plays: queue.Queue[str] = queue.Queue()
        self.found: queue.Queue[list[Song]] = queue.Queue()  # the songs, after a change
        self.seen = index_stamp(library)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="library", daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.library.record_play(self.plays.get(timeout=temporary.LIBRARY_LOOK_S))
            except queue.Empty:
                pass
            except OSError as error:  # the index is a cache: a play not counted is no loss
                log.warning("play not counted: %s", error)
            stamp = index_stamp(self.library)
            if stamp != self.seen:
                self.seen = stamp
                self.found.put(self.library.songs())

    def close(self) -> None:
        """Stop, counting the plays still waiting (the app is closing: they must not be lost)."""
        self.stopping.set()
        self.thread.join(timeout=10)
        while not self.plays.empty():
            self.library.record_play(self.plays.get_nowait())


class MusicService:
    def __init__(self, folder: Path):
        self.library = SongLibrary(folder)
        self.jukebox = Jukebox(self.library.songs())
        self.keeper = LibraryKeeper(self.library)
        self.version = 0  # goes up when songs or play counts change: the browser's views rebuild
        self.playlists = playlist_files.find_playlists(folder)
        self.player, self.notice = open_player()  # the notice (silent clock) is shown once
        self.state_path = settings_path().parent / temporary.JUKEBOX_STATE_NAME
        self.resume: ResumeState | None = self.jukebox.load_state(self.state_path)
        if self.resume is not None:
            self.player.set_volume(self.resume.volume)
            if self.resume.song_id is None or self.resume.position < 1:
                self.resume = None  # nothing worth offering: just play
        self.loaded: str | None = None  # the id of the song in the player
        self.counted = False  # the loaded song's play is counted (jukebox.counts_as_play)
        self.queued: str | None = None  # the id of the song the player opened to play next
        self.message = ""
        self.started = False
        self.ended = False  # played to the end of the queue: a song added now plays at once
        self.words: tuple[str | None, list[dict] | None] = (None, None)  # (song id, its lyrics)
        self.notices_told = 0  # of library.notices (the keeper's thread may add more)
        self.tell_notices()

    # --- what the screen shows ----

    @property
    def message(self) -> str:
        """The last thing said ("Added 3 songs to the queue"), for JUKEBOX_MESSAGE_S."""
        text, said = self._message
        return text if time.monotonic() - said < temporary.JUKEBOX_MESSAGE_S else ""

    @message.setter
    def message(self, text: str) -> None:
        self._message = (text, time.monotonic())

    def current(self) -> Song | None:
        return self.jukebox.current

    def output_name(self) -> str:
        """Where the sound goes, as the Playing view says it: no sound is said as such."""
        if getattr(self.player, "backend", "").lower() == "null":  # LLM_MUSIC_GEN_AUDIO=null
            return f"{self.player.name} null device, no sound"
        return self.player.name

    def playing_title(self) -> str:
        song = self.current()
        return song.title if song and self.started and self.loaded else ""

    def sidecar(self, song: Song) -> dict:
        """The song's sidecar, or {} when it is gone or damaged (the index still lists it)."""
        return self.library.sidecar(song.id)

    def lyrics(self) -> list[dict] | None:
        """The current song's lyrics by part (from its sidecar, read once); None: instrumental."""
        song = self.current()
        if song is None:
            return None
        if self.words[0] != song.id:
            found = self.sidecar(song).get("lyrics")
            self.words = (song.id, found if isinstance(found, list) and found else None)
        return self.words[1]

    def position(self) -> float:
        return self.player.position() if self.loaded else 0.0

    def duration(self) -> float:
        song = self.current()
        if self.loaded:
            return self.player.duration
        return song.duration_seconds if song else 0.0

    def levels(self, bands: int) -> list[float] | None:
        """The meter's bands (0..1) from what the player is sending; None: nothing to show."""
        return self.player.levels(bands) if self.loaded else None

    # --- control ----

    def start(self, resume: bool = False, from_song: str | None = None) -> None:
        """Begin playing: at the saved place (resume), at a given song, or where the queue is."""
        self.started = True
        if from_song is not None:
            self.jukebox.select(from_song)
        position = self.resume.position if resume and self.resume else 0.0
        self.resume = None
        self.play_current(position)

    def play_songs(self, songs: list[Song], start: int = 0) -> None:
        """The user chose a list (a song in a view, an artist's top tracks, a playlist): it
        becomes the queue, played from songs[start]."""
        if not songs:
            return
        self.jukebox.play(songs, start)
        self.started, self.ended, self.resume = True, False, None
        self.play_current()

    def play_at(self, place: int) -> bool:
        """Play the song at `place` in the queue (chosen in its view); False: no such place."""
        if self.jukebox.jump(place) is None:
            return False
        self.started, self.ended, self.resume = True, False, None
        self.play_current()
        return True

    def drop(self, place: int) -> Song | None:
        """Take an entry out of the queue; when it was the one playing, the next one plays."""
        playing = place == self.jukebox.index and self.loaded is not None
        song = self.jukebox.drop(place)
        if song is not None and playing:
            self.play_current()
        return song

    def enqueue(self, songs: list[Song]) -> int:
        """Songs added at the end of the queue by hand; returns how many play before them."""
        was_empty = len(self.jukebox) == 0
        ahead = min(self.jukebox.enqueue(song) for song in songs) if songs else 0
        self.joined(was_empty)
        return ahead

    def play_next(self, songs: list[Song]) -> None:
        """Songs to play right after the current one (chosen by hand)."""
        was_empty = len(self.jukebox) == 0
        self.jukebox.play_next(songs)
        self.joined(was_empty)

    def play_current(self, position: float = 0.0) -> None:
        """Load and play the current song; a missing or broken file is skipped with a message."""
        self.queued = None  # load() drops what the player had opened ahead
        for _ in range(len(self.jukebox)):
            song = self.jukebox.current
            if song is None:
                break
            path = self.song_path(song)
            try:
                self.player.load(path, song.duration_seconds or None)
            except PlaybackError as error:
                self.message = f"Skipped: {error}"
                log.warning("skipped %s: %s", path, error)
                self.forget(song.id)
                continue
            self.loaded = song.id
            self.player.seek(position)
            self.player.play()
            # a song resumed past the point where a play counts was counted then
            self.counted = counts_as_play(position, self.duration())
            return
        self.loaded, self.ended = None, True  # nothing to play yet: the next song made plays
        self.player.stop()

    def song_path(self, song: Song) -> Path:
        return self.library.folder / f"{song.id}.mp3"

    def count_play(self, finished: bool = False) -> None:
        """Count the loaded song's play once it has played long enough (a song skipped at once
        is no play); `finished`: it played to its end."""
        song = self.jukebox.song(self.loaded) if self.loaded else None
        if self.counted or song is None:
            return
        if finished or counts_as_play(self.player.position(), self.duration()):
            self.counted = True
            song.plays += 1  # shown at once; written to the index by the keeper
            self.version += 1
            self.keeper.plays.put(song.id)

    def tell_notices(self) -> None:
        """What the library says about itself (a damaged index was replaced): shown and logged."""
        notices = self.library.notices[self.notices_told :]
        if notices:
            self.notices_told += len(notices)
            self.message = " ".join(notices)
            for notice in notices:
                log.warning("%s", notice)

    def toggle_pause(self) -> None:
        if self.loaded:
            self.player.toggle_pause()
        else:  # stopped at the end of the queue: play again from the current song
            self.started, self.ended = True, False
            self.play_current()

    def add(self, sidecar: dict) -> None:
        """A song this app just made."""
        self.add_song(library_song(sidecar))

    def add_song(self, song: Song) -> None:
        was_empty = len(self.jukebox) == 0
        self.jukebox.add(song)
        self.version += 1
        self.joined(was_empty)

    def joined(self, was_empty: bool) -> None:
        """Songs joined the queue: after its end was reached, the first of them plays now."""
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

    def forget(self, song_id: str) -> None:
        """A song that is gone (deleted, or its file unplayable) leaves the jukebox."""
        self.jukebox.remove(song_id)
        self.version += 1

    def delete(self, song: Song) -> str:
        """Delete a song's files (the one playing, or one chosen in a view); returns its title."""
        playing = song.id == self.loaded
        if playing:
            self.player.stop()
            self.loaded = None
        elif song.id == self.queued:  # the player holds its file open (Windows cannot delete it)
            self.player.cancel_next()
            self.queued = None
        self.forget(song.id)
        self.library.delete(song.id)
        if playing and self.started and self.jukebox.current is not None:
            self.play_current()
        return song.title

    # --- playlists ----

    def reload_playlists(self) -> None:
        self.playlists = playlist_files.find_playlists(self.library.folder)

    def playlist_songs(self, playlist) -> tuple[list[Song], int]:
        """The playlist's songs that are in the library, and how many of its entries are not."""
        songs = [self.jukebox.song(entry.song_id) for entry in playlist.entries if entry.song_id]
        found = [song for song in songs if song is not None]
        return found, len(playlist.entries) - len(found)

    # --- the clock ----

    def take_new_songs(self) -> None:
        """Songs another process added join the queue (the keeper read the changed index)."""
        while True:
            try:
                songs = self.keeper.found.get_nowait()
            except queue.Empty:
                return
            for song in songs:
                known = self.jukebox.song(song.id)
                if known is None:
                    self.add_song(song)
                elif known.plays != song.plays:  # another process played it, or a damaged index
                    known.plays = song.plays  # was rebuilt: the counts the index holds now
                    self.version += 1

    def ready_next(self) -> None:
        """Have the player open the song that follows, so it starts without a gap."""
        following = self.jukebox.following() if self.loaded else None
        wanted = following.id if following is not None else None
        if wanted == self.queued:
            return
        if following is None:
            self.player.cancel_next()
        else:
            self.player.queue_next(self.song_path(following), following.duration_seconds or None)
        self.queued = wanted

    def tick(self) -> None:
        """Follow the player into the next song (repeat modes decide which)."""
        self.take_new_songs()
        self.tell_notices()
        if not self.started or not self.loaded:
            return
        if self.player.advanced() is not None:  # it went on into the song opened ahead
            self.count_play(finished=True)
            ahead, self.queued = self.queued, None
            song = self.jukebox.after_finish()
            if song is not None and song.id == ahead:
                self.loaded, self.counted = song.id, False
            else:  # the queue changed since (a rare race): play what it says now
                self.play_current()
        elif self.player.finished():
            self.count_play(finished=True)
            if self.jukebox.after_finish() is None:
                self.player.stop()
                self.loaded, self.ended = None, True
                self.message = "End of the queue: new songs play as they are made."
            else:
                self.play_current()
        self.count_play()
        self.ready_next()

    def close(self) -> None:
        if self.started:  # never listened this time: keep the place saved last time
            self.jukebox.save_state(self.state_path, self.position(), self.player.volume)
        self.player.close()
        self.keeper.close()
