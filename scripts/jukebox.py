"""The jukebox's queue: play order, shuffle, repeat and resume state. No audio and no curses.

Songs are the library's dicts (SongLibrary.songs(): "id", "title", "duration_seconds", ...), in
library order, newest last. The player and the screen ask this class what to play; it never plays.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from scripts import temporary
from scripts.utility import atomic_write_text


@dataclass(frozen=True)
class ResumeState:
    """Where the jukebox was when the app last closed."""

    song_id: str | None
    position: float
    shuffle: bool
    repeat: str
    volume: float


class Jukebox:
    def __init__(self, songs: list[dict], seed: int | None = None) -> None:
        self._random = random.Random(seed)  # one stream: the same seed shuffles the same way
        self._songs: dict[str, dict] = {}  # by id, in library order
        self._order: list[str] = []  # ids in play order
        self._index: int | None = None  # the current song's place in _order
        self._shuffle = False
        self._repeat = temporary.REPEAT_MODES[0]
        for song in songs:
            self.add(song)

    # --- what is where ---------------------------------------------------------------------

    @property
    def songs(self) -> list[dict]:
        """All songs in library order."""
        return list(self._songs.values())

    @property
    def play_order(self) -> list[dict]:
        return [self._songs[song_id] for song_id in self._order]

    @property
    def current(self) -> dict | None:
        return None if self._index is None else self._songs[self._order[self._index]]

    @property
    def shuffle(self) -> bool:
        return self._shuffle

    @property
    def repeat(self) -> str:
        return self._repeat

    def __len__(self) -> int:
        return len(self._order)

    def upcoming(self, n: int = temporary.UPCOMING_COUNT) -> list[dict]:
        """The next `n` songs in play order, each at most once; past the end only on repeat all.

        Repeat one lists the songs after the current one too: they are what "next" reaches.
        """
        if self._index is None:
            return []
        ids = self._order[self._index + 1 :]
        if self._repeat == "all":
            ids += self._order[: self._index]
        return [self._songs[song_id] for song_id in ids[: max(0, n)]]

    # --- moving ----------------------------------------------------------------------------

    def select(self, song_id: str) -> dict | None:
        """Make a song current (the user picked it). None when it is not in the jukebox."""
        if song_id not in self._songs:
            return None
        self._index = self._order.index(song_id)
        return self.current

    def next(self) -> dict | None:
        """The next song in play order; past the last comes the first (the user asked for more)."""
        if self._index is not None:
            self._index = (self._index + 1) % len(self._order)
        return self.current

    def previous(self, position: float = 0.0) -> dict | None:
        """The song before, or the current one again when `position` is past the restart mark."""
        if self._index is not None and position <= temporary.RESTART_THRESHOLD_S:
            self._index = (self._index - 1) % len(self._order)
        return self.current

    def after_finish(self) -> dict | None:
        """The song to play when the current one ends, or None: the end of the list, no repeat."""
        if self._index is None:
            return None
        if self._repeat == "one":
            return self.current
        if self._index + 1 < len(self._order):
            self._index += 1
        elif self._repeat == "all":
            self._index = 0
        else:
            return None
        return self.current

    # --- modes -----------------------------------------------------------------------------

    def toggle_shuffle(self) -> bool:
        self.set_shuffle(not self._shuffle)
        return self._shuffle

    def set_shuffle(self, on: bool) -> None:
        """Shuffled: the current song first, then the rest in a random order. Off: library order."""
        current = self.current
        if on:
            rest = [
                song_id for song_id in self._songs if current is None or song_id != current["id"]
            ]
            self._random.shuffle(rest)
            self._order = rest if current is None else [current["id"], *rest]
        else:
            self._order = list(self._songs)
        self._shuffle = bool(on)
        if current is not None:
            self._index = self._order.index(current["id"])

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

    def add(self, song: dict) -> None:
        """A new song (say, one just generated): in library order it comes last; shuffled, it
        lands at a random place among the songs still to come."""
        song_id = song["id"]
        if song_id in self._songs:
            self._songs[song_id] = song  # a rewritten sidecar: keep its place
            return
        self._songs[song_id] = song
        if self._shuffle and self._index is not None:
            place = self._random.randint(self._index + 1, len(self._order))
            self._order.insert(place, song_id)
        else:
            self._order.append(song_id)
        if self._index is None:
            self._index = 0

    def remove(self, song_id: str) -> dict | None:
        """Forget a deleted song; returns it (None if unknown). When it was current, the song
        after it becomes current (the one before, when it was last)."""
        song = self._songs.pop(song_id, None)
        if song is None:
            return None
        place = self._order.index(song_id)
        del self._order[place]
        assert self._index is not None  # the jukebox held at least this song
        if not self._order:
            self._index = None
        elif place < self._index or self._index == len(self._order):
            self._index -= 1
        return song

    # --- resume state ----------------------------------------------------------------------

    def save_state(self, path: Path, position: float = 0.0, volume: float = 1.0) -> bool:
        """Write where playback is (JSON, atomically). False when the file cannot be written."""
        current = self.current
        state = {
            "song_id": None if current is None else current["id"],
            "position": round(max(0.0, float(position)), 3),
            "shuffle": self._shuffle,
            "repeat": self._repeat,
            "volume": round(min(1.0, max(0.0, float(volume))), 3),
        }
        try:
            atomic_write_text(Path(path), json.dumps(state, indent=1) + "\n")
        except OSError:
            return False
        return True

    def load_state(self, path: Path) -> ResumeState | None:
        """Restore shuffle, repeat and the current song from `path`; returns what was restored
        (position 0 and song_id None when that song is gone). None for a missing or bad file."""
        state = read_state(Path(path))
        if state is None:
            return None
        self._repeat = state.repeat
        found = state.song_id is not None and self.select(state.song_id) is not None
        self.set_shuffle(state.shuffle)
        if found:
            return state
        return ResumeState(None, 0.0, state.shuffle, state.repeat, state.volume)


def read_state(path: Path) -> ResumeState | None:
    """The resume file's contents, or None when it is missing, unreadable or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    song_id, position = data.get("song_id"), data.get("position")
    volume, shuffle, repeat = data.get("volume"), data.get("shuffle"), data.get("repeat")
    if not (song_id is None or isinstance(song_id, str)):
        return None
    if not (is_number(position) and position >= 0 and is_number(volume)):
        return None
    if not isinstance(shuffle, bool) or repeat not in temporary.REPEAT_MODES:
        return None
    return ResumeState(song_id, float(position), shuffle, repeat, min(1.0, max(0.0, float(volume))))


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
