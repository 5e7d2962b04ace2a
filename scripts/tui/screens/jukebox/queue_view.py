"""The Queue view: what plays next, the song playing marked; entries move, go, or are saved."""

from __future__ import annotations

import curses
import time

from scripts.tui.keymap import Binding, quiet
from scripts.tui.screens.jukebox.lists import (
    ADD,
    DELETE,
    MOVE,
    NEXT,
    PLAY,
    SAVE,
    TO_PLAYLIST,
    SongTable,
    view_keymap,
)


class QueueView(SongTable):
    name = "Queue"
    keys = view_keymap(
        "Queue",
        MOVE,
        PLAY,
        Binding(("[", "]"), "[ ]", "move_entry", "move the song up or down", "Move"),
        Binding(("KEY_DC",), "Del", "take_out", "take it out of the queue", "Take out"),
        Binding(("c",), "C", "clear", "clear the queue (the song playing plays on)", "Clear"),
        quiet(ADD),
        NEXT,
        quiet(TO_PLAYLIST),
        SAVE,
        quiet(DELETE),
    )
    empty = "The queue is empty."

    def items(self, service) -> list:  # the queue changes without a library change
        return service.jukebox.play_order

    def play(self, service) -> str:
        return "" if service.play_at(self.cursor.index) else "Nothing to play here."

    def take_out(self, name: str, screen, service) -> None:
        song = service.drop(self.cursor.index)
        if song is not None:
            screen.say(f"Took {song.title} out of the queue.")

    def move_entry(self, name: str, screen, service) -> None:
        step = -1 if name == "[" else 1
        if service.jukebox.move(self.cursor.index, step):
            self.cursor.index += step

    def clear(self, name: str, screen, service) -> None:
        service.jukebox.clear()
        self.cursor.index = 0
        screen.say("Cleared the queue: the song playing plays on.")

    def save(self, name: str, screen, service) -> None:
        """A queue has no name of its own: asked for, one offered."""
        songs = service.jukebox.play_order
        screen.ask_for(
            "Save the queue as the playlist:",
            lambda typed: screen.save_as(typed, songs),
            f"Queue {time.strftime('%Y-%m-%d %H.%M')}",
        )

    def draw(self, canvas, top: int, bottom: int, service) -> None:
        jukebox = service.jukebox
        source = "every song" if jukebox.is_library() else "chosen songs"
        canvas.text(top, 0, f"{len(jukebox)} in the queue ({source})", curses.A_DIM)
        self.draw_table(canvas, top + 1, bottom, jukebox.play_order, mark=jukebox.index)
