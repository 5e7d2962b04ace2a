"""The jukebox's queue: play order, shuffle, repeat and resume state. No audio and no curses.

The jukebox knows the library's songs (song_library.Song, newest last) and plays a queue of them:
the whole library until the user chooses a list (an artist's top tracks, a genre, a playlist, a
search's results), then that list, with the songs added by hand ("a") at its end. A song may be
in the queue twice. The player and the screens ask this class what to play; it never plays.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from scripts import temporary
from scripts.input_files import InputFileError, read_json
from scripts.library.song_library import Song
from scripts.utility import atomic_write_text


@dataclass(frozen=True)
class ResumeState:
    """Where the jukebox was when the app last closed."""

    song_id: str | None
    position: float
    shuffle: bool
    repeat: str
    volume: float
    queue: tuple[str, ...] | None = None  # None: the queue was the whole library


class Jukebox:
    def __init__(self, songs: list[Song], seed: int | None = None) -> None:
        self._random = random.Random(seed)  # one stream: the same seed shuffles the same way
        self._songs: dict[str, Song] = {}  # the library, by id, in library order
        self._queue: list[str] = []  # the queue as chosen (unshuffled)
        self._order: list[str] = []  # the queue in play order
        self._index: int | None = None  # the current song's place in _order
        self._shuffle = False
        self._repeat = temporary.REPEAT_MODES[0]
        for song in songs:
            self.add(song)

    # --- what is where ---------------------------------------------------------------------

    @property
    def songs(self) -> list[Song]:
        """All songs in library order."""
        return list(self._songs.values())

    def song(self, song_id: str) -> Song | None:
        return self._songs.get(song_id)

    @property
    def play_order(self) -> list[Song]:
        return [self._songs[song_id] for song_id in self._order]

    @property
    def index(self) -> int | None:
        """The current song's place in play_order."""
        return self._index

    @property
    def current(self) -> Song | None:
        return None if self._index is None else self._songs[self._order[self._index]]

    @property
    def shuffle(self) -> bool:
        return self._shuffle

    @property
    def repeat(self) -> str:
        return self._repeat

    def is_library(self) -> bool:
        """The queue is the whole library in library order (nothing chosen)."""
        return self._queue == list(self._songs)

    def __len__(self) -> int:
        return len(self._order)

    def upcoming(self, n: int = temporary.UPCOMING_COUNT) -> list[Song]:
        """The next `n` songs in play order; past the end only on repeat all.

        Repeat one lists the songs after the current one too: they are what "next" reaches.
        """
        if self._index is None:
            return []
        ids = self._order[self._index + 1 :]
        if self._repeat == "all":
            ids += self._order[: self._index]
        return [self._songs[song_id] for song_id in ids[: max(0, n)]]

    def following(self) -> Song | None:
        """The song after_finish() would move to, without moving (for decoding it early)."""
        if self._index is None:
            return None
        if self._repeat == "one":
            return self.current
        if self._index + 1 < len(self._order):
            return self._songs[self._order[self._index + 1]]
        return self._songs[self._order[0]] if self._repeat == "all" else None

    # --- choosing --------------------------------------------------------------------------

    def play(self, songs: list[Song], start: int = 0) -> Song | None:
        """The queue becomes `songs` (the user chose a list), from songs[start]; shuffled, that
        song comes first and the rest follow in a random order."""
        for song in songs:
            self._songs.setdefault(song.id, song)
        self._queue = [song.id for song in songs]
        self._order = list(self._queue)
        self._index = min(max(0, start), len(self._order) - 1) if self._order else None
        if self._shuffle:
            self.set_shuffle(True)
        return self.current

    def enqueue(self, song: Song) -> int:
        """Add a song at the end of the queue (again, if it is there already); returns how many
        songs play before it."""
        self._songs.setdefault(song.id, song)
        self._queue.append(song.id)
        self._order.append(song.id)
        if self._index is None:
            self._index = len(self._order) - 1
        return len(self._order) - 1 - self._index

    def select(self, song_id: str) -> Song | None:
        """Make a song of the queue current (the user picked it). None when it is not queued."""
        if song_id not in self._order:
            return None
        if self.current is None or self.current.id != song_id:
            self._index = self._order.index(song_id)
        return self.current

    def jump(self, place: int) -> Song | None:
        """Make the song at `place` in play order current (picked in the queue's view); None
        when there is no such place."""
        if not 0 <= place < len(self._order):
            return None
        self._index = place
        return self.current

    def play_next(self, songs: list[Song]) -> None:
        """`songs` right after the current one, in this order (the first song queued plays
        at once)."""
        place = 0 if self._index is None else self._index + 1
        current = self._order[self._index] if self._index is not None else None
        after = self._queue.index(current) + 1 if current in self._queue else len(self._queue)
        ids = [song.id for song in songs]
        for song in songs:
            self._songs.setdefault(song.id, song)
        self._order[place:place] = ids
        self._queue[after:after] = ids
        if self._index is None and self._order:
            self._index = 0

    def move(self, place: int, step: int) -> bool:
        """Move the entry at `place` in play order one place up (step -1) or down (+1); the
        song playing stays the current one. False when there is no place to move to."""
        other = place + step
        if not (0 <= place < len(self._order) and 0 <= other < len(self._order)):
            return False
        order = self._order
        order[place], order[other] = order[other], order[place]
        if not self._shuffle:
            self._queue = list(order)
        if self._index in (place, other):
            self._index = other if self._index == place else place
        return True

    def clear(self) -> None:
        """Empty the queue but for the song playing, which plays on."""
        current = self._order[self._index] if self._index is not None else None
        self._queue = [current] if current else []
        self._order = list(self._queue)
        self._index = 0 if current else None

    def drop(self, place: int) -> Song | None:
        """Take the entry at `place` in play order out of the queue (the song stays in the
        library); returns its song. The current entry's place goes to the song after it."""
        if not 0 <= place < len(self._order):
            return None
        song_id = self._order.pop(place)
        self._queue.remove(song_id)
        if not self._order:
            self._index = None
        elif place < self._index or self._index == len(self._order):
            self._index -= 1
        return self._songs[song_id]

    # --- moving ----------------------------------------------------------------------------

    def next(self) -> Song | None:
        """The next song in play order; past the last comes the first (the user asked for more)."""
        if self._index is not None:
            self._index = (self._index + 1) % len(self._order)
        return self.current

    def previous(self, position: float = 0.0) -> Song | None:
        """The song before, or the current one again when `position` is past the restart mark."""
        if self._index is not None and position <= temporary.RESTART_THRESHOLD_S:
            self._index = (self._index - 1) % len(self._order)
        return self.current

    def after_finish(self) -> Song | None:
        """The song to play when the current one ends, or None: the end of the list, no repeat."""
        song = self.following()
        if song is not None and self._repeat != "one":
            self._index = (self._index + 1) % len(self._order)
        return song

    # --- modes -----------------------------------------------------------------------------

    def toggle_shuffle(self) -> bool:
        self.set_shuffle(not self._shuffle)
        return self._shuffle

    def set_shuffle(self, on: bool) -> None:
        """Shuffled: the current song first, then the rest in a random order. Off: the queue's
        own order, at the current song."""
        current = self._order[self._index] if self._index is not None else None
        if on:
            rest = list(self._queue)
            if current is not None:
                rest.remove(current)
            self._random.shuffle(rest)
            self._order = rest if current is None else [current, *rest]
        else:
            self._order = list(self._queue)
        self._shuffle = bool(on)
        if current is not None:
            self._index = self._order.index(current)

    def cycle_repeat(self) -> str:
        """off → one → all → off."""
        modes = temporary.REPEAT_MODES
        self._repeat = modes[(modes.index(self._repeat) + 1) % len(modes)]
        return self._repeat

    def set_repeat(self, mode: str) -> None:
        if mode not in temporary.REPEAT_MODES:
            raise ValueError(f"repeat must be one of {', '.join(temporary.REPEAT_MODES)}")
        self._repeat = mode

    # --- the library changing under it -----------------------------------------------------

    def add(self, song: Song) -> None:
        """A new song (say, one just generated) joins the library and the queue: at its end, or
        shuffled, at a random place among the songs still to come."""
        if song.id in self._songs:
            self._songs[song.id] = song  # a rewritten sidecar: keep its place
            return
        self._songs[song.id] = song
        self._queue.append(song.id)
        if self._shuffle and self._index is not None:
            place = self._random.randint(self._index + 1, len(self._order))
            self._order.insert(place, song.id)
        else:
            self._order.append(song.id)
        if self._index is None:
            self._index = 0

    def remove(self, song_id: str) -> Song | None:
        """Forget a deleted song, every place it is queued; returns it (None if unknown). When it
        was current, the song after it becomes current (the one before, when it was last)."""
        song = self._songs.pop(song_id, None)
        if song is None:
            return None
        self._queue = [other for other in self._queue if other != song_id]
        if self._index is not None:
            kept_before = sum(1 for other in self._order[: self._index] if other != song_id)
            self._order = [other for other in self._order if other != song_id]
            self._index = min(kept_before, len(self._order) - 1) if self._order else None
        return song

    # --- resume state ----------------------------------------------------------------------

    def save_state(self, path: Path, position: float = 0.0, volume: float = 1.0) -> bool:
        """Write where playback is (JSON, atomically). False when the file cannot be written."""
        current = self.current
        state = {
            "song_id": None if current is None else current.id,
            "position": round(max(0.0, float(position)), 3),
            "shuffle": self._shuffle,
            "repeat": self._repeat,
            "volume": round(min(1.0, max(0.0, float(volume))), 3),
            "queue": None if self.is_library() else self._queue,
        }
        try:
            atomic_write_text(Path(path), json.dumps(state, indent=1) + "\n")
        except OSError:
            return False
        return True

    def load_state(self, path: Path) -> ResumeState | None:
        """Restore the queue, shuffle, repeat and the current song from `path`; returns what
        was restored (position 0 and song_id None when that song is gone). None for a missing or
        bad file. Songs of a saved queue that were deleted since are left out."""
        state = read_state(Path(path))
        if state is None:
            return None
        self._repeat = state.repeat
        if state.queue is not None:
            queued = [self._songs[song_id] for song_id in state.queue if song_id in self._songs]
            if queued:
                self.play(queued)
        found = state.song_id is not None and self.select(state.song_id) is not None
        self.set_shuffle(state.shuffle)
        if found:
            return state
        return ResumeState(None, 0.0, state.shuffle, state.repeat, state.volume, state.queue)


def read_state(path: Path) -> ResumeState | None:
    """The resume file's contents, or None when it is missing, unreadable or malformed."""
    try:
        data = read_json(path)
    except InputFileError:
        return None
    if not isinstance(data, dict):
        return None
    song_id, position = data.get("song_id"), data.get("position")
    volume, shuffle, repeat = data.get("volume"), data.get("shuffle"), data.get("repeat")
    queue = data.get("queue")
    if not (song_id is None or isinstance(song_id, str)):
        return None
    if not (is_number(position) and position >= 0 and is_number(volume)):
        return None
    if not isinstance(shuffle, bool) or repeat not in temporary.REPEAT_MODES:
        return None
    if isinstance(queue, list):  # a damaged queue loses its odd entries, not the whole state
        queue = tuple(item for item in queue if isinstance(item, str))
    else:
        queue = None
    volume = min(1.0, max(0.0, float(volume)))
    return ResumeState(song_id, float(position), shuffle, repeat, volume, queue)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def counts_as_play(position: float, duration: float) -> bool:
    """A song counts as played once it has played PLAY_COUNT_S or half its length, whichever
    comes first, as music players count them: a song skipped at once is no play."""
    half = duration / 2 if duration > 0 else temporary.PLAY_COUNT_S
    return position >= min(temporary.PLAY_COUNT_S, half)
