"""The Artists view: each artist with its genre, members and instruments, and its top tracks."""

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


class ArtistsView(GroupView):
    name = "Artists"
    keys = view_keymap("Artists", MOVE, PLAY, ADD, NEXT, TO_PLAYLIST, SAVE, DELETE)
    empty = "No artists yet: every song's artist is listed here with its members."

    def build(self, service) -> list:
        return library_views.artists(service.jukebox.songs)

    def about(self, artist) -> list[tuple[str, int]]:
        lines = [(artist.name, curses.A_BOLD)]
        if artist.genre:
            lines.append((f"Genre: {artist.genre}", 0))
        lines.append((f"{plural(artist.plays, 'play')} in all", curses.A_DIM))
        if artist.members:
            lines.append(("Members", curses.A_BOLD))
            lines += [(f"  {m['name']} - {m['instrument']}", 0) for m in artist.members]
        return lines
