"""The Playlists view: the playlists on the left; Enter opens one, and its songs can then be
played, moved and taken out. The files are M3U8 (scripts/library/playlists.py)."""

from __future__ import annotations

import curses
from dataclasses import replace

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
    View,
    cut,
    draw_list,
    draw_panes,
    view_keymap,
)
from scripts.tui.widgets import Canvas, clock

NEW = Binding(("c",), "C", "new_playlist", "a new playlist", "New")
RENAME = Binding(("e",), "E", "rename", "rename it", "Rename")
PLAYLISTS_KEYS = view_keymap(
    "Playlists",
    MOVE,
    Binding(("ENTER",), "Enter", "play_chosen", "open it", "Open"),
    NEW,
    RENAME,
    Binding(("d",), "D", "delete", "delete it (its songs stay)", "Delete"),
    Binding(("a",), "A", "add_to_queue", "its songs to the end of the queue", "Queue all"),
    NEXT,
    quiet(TO_PLAYLIST),
)
OPEN_KEYS = view_keymap(
    "A playlist opened",
    replace(MOVE, action="move_entry_cursor", help="choose a song"),
    PLAY,
    Binding(("[", "]"), "[ ]", "edit_entries", "move the song up or down", "Move"),
    Binding(("KEY_DC",), "Del", "edit_entries", "take it out of the playlist", "Take out"),
    Binding(("ESC", "BACKSPACE"), "Esc", "close", "back to the playlists", "Back"),
    quiet(NEW),
    quiet(RENAME),
    quiet(ADD),
    NEXT,
    quiet(TO_PLAYLIST),
    quiet(DELETE),
)


class PlaylistsView(View):
    """Playlists on the left; Enter opens one, and its songs can then be played and reordered."""

    name = "Playlists"
    empty = "No playlists yet: C makes one, W in Artists, Genres or Queue saves one."

    def __init__(self) -> None:
        super().__init__()
        self.entries = Cursor()
        self.opened = False

    def keymap(self):
        return OPEN_KEYS if self.opened else PLAYLISTS_KEYS

    def items(self, service) -> list:  # playlists change without a library change
        return service.playlists

    def songs(self, service) -> list[Song]:
        playlist = self.selected(service)
        return service.playlist_songs(playlist)[0] if playlist is not None else []

    def entry_song(self, service) -> Song | None:
        playlist = self.selected(service)
        if playlist is None or not 0 <= self.entries.index < len(playlist.entries):
            return None
        entry = playlist.entries[self.entries.index]
        return service.jukebox.song(entry.song_id) if entry.song_id else None

    def song(self, service) -> Song | None:
        return self.entry_song(service) if self.opened else super().song(service)

    def play(self, service) -> str:
        playlist = self.selected(service)
        if playlist is None:
            return "No playlist to play."
        if not self.opened:
            self.opened, self.entries = True, Cursor()
            return ""
        songs, missing = service.playlist_songs(playlist)
        if not songs:
            return f"None of {playlist.name}'s songs are in the library."
        chosen = self.entry_song(service)
        service.play_songs(songs, songs.index(chosen) if chosen in songs else 0)
        return f"{missing} of its entries are not in the library: skipped." if missing else ""

    # --- keys ----

    def delete(self, name: str, screen, service) -> None:
        """Closed: the playlist (asks first); opened: the chosen entry's song."""
        if self.opened:
            super().delete(name, screen, service)
        elif (playlist := self.selected(service)) is not None:
            screen.ask_delete_playlist(playlist)

    def new_playlist(self, name: str, screen, service) -> None:
        screen.name_playlist(None)

    def rename(self, name: str, screen, service) -> None:
        playlist = self.selected(service)
        if playlist is not None:
            screen.name_playlist(playlist)

    def close(self, name: str, screen, service) -> None:
        self.opened = False

    def move_entry_cursor(self, name: str, screen, service) -> bool:
        playlist = self.selected(service)
        return playlist is not None and self.entries.move(name, len(playlist.entries), screen.page)

    def edit_entries(self, name: str, screen, service) -> bool:
        playlist = self.selected(service)
        if playlist is None:
            return False
        screen.edit_playlist(playlist, self.entries, name)
        return True

    # --- drawing ----

    def draw(self, canvas: Canvas, top: int, bottom: int, service) -> None:
        found = self.items(service)
        if not found:
            canvas.text(top, 0, self.empty)
            return
        labels = [f"{p.name} ({len(p.entries)})" for p in found]
        col, width = draw_panes(canvas, self.cursor, labels, top, bottom, not self.opened)
        playlist = found[self.cursor.index]
        seconds = sum(entry.seconds or 0 for entry in playlist.entries)
        canvas.text(top, col, cut(f"{playlist.name}  {clock(seconds)}", width), curses.A_BOLD)
        problems = " ".join(playlist.problems)
        first = top + 1
        if problems:
            canvas.text(first, col, cut(problems, width), curses.A_DIM)
            first += 1
        lines = [self.entry_line(entry, service) for entry in playlist.entries]
        if not lines:
            canvas.text(first, col, "(empty: L in the other views adds songs)", curses.A_DIM)
        draw_list(canvas, self.entries, lines, first, bottom, width, col, focused=self.opened)

    @staticmethod
    def entry_line(entry, service) -> str:
        song = service.jukebox.song(entry.song_id) if entry.song_id else None
        if song is not None:
            return f"{song.title} - {song.artist}"
        if entry.song_id:
            return f"(missing) {entry.label}"
        return f"(not in the library) {entry.label}"
