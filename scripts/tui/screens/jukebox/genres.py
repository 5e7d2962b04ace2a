"""The Genres view: each style songs were made in, with its most played songs."""

from __future__ import annotations

import curses

from scripts.library import library_views
from scripts.tui.screens.jukebox.lists import (
    ADD,
    DELETE,
    MOVE,
    NEXT,
    PLAY,
    SAVE,
    TO_PLAYLIST,
    GroupView,
    view_keymap,
)
from scripts.utility import plural


class GenresView(GroupView):
    name = "Genres"
    keys = view_keymap("Genres", MOVE, PLAY, ADD, NEXT, TO_PLAYLIST, SAVE, DELETE)
    empty = "No styles yet: the styles songs were made in are listed here."
    songs_heading = "Most played"

    def build(self, service) -> list:
        return library_views.genres(service.jukebox.songs)

    def about(self, genre) -> list[tuple[str, int]]:
        artists = len({song.artist.casefold() for song in genre.songs})
        return [(genre.name, curses.A_BOLD), (plural(artists, "artist"), curses.A_DIM)]
