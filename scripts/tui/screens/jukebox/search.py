"""The Search view (`/`): results as you type, across title, artist, members, style and lyrics.
While typing, the keys go to the search line; Tab moves to the results, where the player's keys
(n, p, space...) work again."""

from __future__ import annotations

import curses

from scripts.library import library_views
from scripts.library.song_library import Song
from scripts.tui.keymap import Binding, quiet
from scripts.tui.screens.jukebox.lists import (
    ADD,
    DELETE,
    MOVE,
    NEXT,
    PLAY,
    TO_PLAYLIST,
    Cursor,
    SongTable,
    view_keymap,
)
from scripts.tui.widgets import Canvas, LineEditor

CLOSE = Binding(("ESC",), "Esc", "close", "close the search", "Close")
TYPING_KEYS = view_keymap(
    "Search, typing (other keys type)",
    Binding(("\t",), "Tab", "to_results", "to the results", "Results"),
    MOVE,
    PLAY,
    CLOSE,
    frame="Type to search  {}",
)
RESULTS_KEYS = view_keymap(
    "Search results",
    MOVE,
    PLAY,
    ADD,
    NEXT,
    TO_PLAYLIST,
    Binding(("/",), "/", "type_again", "type the search again", "Type"),
    quiet(DELETE),
    CLOSE,
)


class SearchView(SongTable):
    name = "Search"
    empty = "No song matches."

    def __init__(self) -> None:
        super().__init__()
        self.editor = LineEditor(limit=200)
        self.typing = True
        self.search: tuple[int, library_views.SongSearch | None] = (-1, None)
        self.found: tuple[str, list[Song]] = ("", [])

    def keymap(self):
        return TYPING_KEYS if self.typing else RESULTS_KEYS

    def open(self) -> None:
        self.typing = True

    def play(self, service) -> str:
        self.typing = False  # the player's keys (n, p, space...) work on the results again
        return super().play(service)

    def finder(self, service) -> library_views.SongSearch:
        if self.search[0] != service.version:
            self.search = (service.version, library_views.SongSearch(service.jukebox.songs))
        return self.search[1]

    def items(self, service) -> list:
        query = self.editor.value
        if self.found[0] != query or self.search[0] != service.version:
            self.found = (query, self.finder(service).find(query))
        return self.found[1]

    # --- keys ----

    def key(self, name: str, screen, service) -> bool:
        """While typing, a key no binding takes goes to the search line."""
        if super().key(name, screen, service):
            return True
        if self.typing and self.editor.handle(screen.raw_key):
            self.cursor = Cursor()
            return True
        return False

    def to_results(self, name: str, screen, service) -> None:
        self.typing = False

    def type_again(self, name: str, screen, service) -> None:
        self.typing = True

    def close(self, name: str, screen, service) -> None:
        screen.close_search()

    def draw(self, canvas: Canvas, top: int, bottom: int, service) -> None:
        canvas.text(top, 0, "Search:", curses.A_BOLD)
        if self.typing:
            self.editor.draw(canvas, top, 8)
        else:
            canvas.text(top, 8, self.editor.value)
        if not self.editor.value.strip():
            canvas.text(top + 2, 0, "Type words from a title, artist, member, style or lyric.")
            return
        found = self.items(service)
        canvas.text(top + 1, 0, f"{len(found)} found", curses.A_DIM)
        self.draw_table(canvas, top + 2, bottom, found)
