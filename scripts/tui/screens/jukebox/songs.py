"""The Songs view: every song in a table, in one of library_views.SORTS (O changes it)."""

from __future__ import annotations

import curses

from scripts.library import library_views
from scripts.tui.keymap import Binding
from scripts.tui.screens.jukebox.lists import (
    ADD,
    DELETE,
    MOVE,
    NEXT,
    PLAY,
    TO_PLAYLIST,
    SongTable,
    view_keymap,
)
from scripts.utility import plural


class SongsView(SongTable):
    name = "Songs"
    keys = view_keymap(
        "Songs",
        MOVE,
        PLAY,
        ADD,
        NEXT,
        TO_PLAYLIST,
        Binding(("o",), "O", "change_order", "the next order: newest, most played...", "Order"),
        DELETE,
    )

    def __init__(self) -> None:
        super().__init__()
        self.order = library_views.SORTS[0]

    def build(self, service) -> list:
        return library_views.sorted_songs(service.jukebox.songs, self.order)

    def change_order(self, name: str, screen, service) -> None:
        sorts = library_views.SORTS
        self.order = sorts[(sorts.index(self.order) + 1) % len(sorts)]
        self.made = (-1, [])
        screen.say(f"Songs in order: {self.order}.")

    def draw(self, canvas, top: int, bottom: int, service) -> None:
        songs = plural(len(self.items(service)), "song")
        canvas.text(top, 0, f"{songs}, {self.order} first", curses.A_DIM)
        self.draw_table(canvas, top + 1, bottom, self.items(service))
