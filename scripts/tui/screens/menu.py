"""The main menu, as the seed's preview draws it (with its numbering fixed)."""

from __future__ import annotations

import curses

from scripts.tui.keymap import Binding, Keymap
from scripts.tui.widgets import Canvas, key_name

ITEMS = (("1", "Generate Music", "generate"), ("2", "Output Jukebox", "jukebox"))
ITEMS += (("3", "Configure Options", "options"),)
KEYS = Keymap(
    "Choosing a screen",
    Binding(("1", "2", "3"), "1-3", "open_numbered", "open that screen", "Menu Option"),
    Binding(("KEY_UP", "KEY_DOWN"), "Up/Down", "move", "choose a screen"),
    Binding(("ENTER",), "Enter", "open_chosen", "open it"),
    Binding(("?",), "?", "explain", "what each screen does", "Help"),
    Binding(("x",), "X", "leave", "exit", "Exit Program"),
    frame="Selection; {}:",  # as the seed's preview draws it
)
HELP = (
    "1 Generate Music: songs from the styles you type (blank for a surprise genre). "
    "2 Output Jukebox: play them, by artist, genre, playlist or search (? there lists its keys). "
    "3 Configure Options: the model and its sampling, folders, prompts; M there opens the model "
    "catalog, T trains a model on your own tunes. Digits or arrows and Enter choose; X exits."
)


class MenuScreen:
    def __init__(self):
        self.selected = 0

    def enter(self, app) -> None:
        pass

    def draw(self, canvas: Canvas, app) -> None:
        canvas.frame("Main Menu", KEYS.footer(), app.busy_text())
        for index, (number, label, _) in enumerate(ITEMS):
            attribute = curses.A_REVERSE if index == self.selected else 0
            canvas.text(4 + index, 4, f"{number}. {label}", attribute)
        if app.notice:
            canvas.wrapped(5 + len(ITEMS), app.notice, canvas.height - 3)

    def key(self, key, app) -> None:
        app.notice = ""
        KEYS.dispatch(key_name(key), self, app)

    def open_numbered(self, name: str, app) -> None:
        self.selected = [number for number, _, _ in ITEMS].index(name)
        app.show(ITEMS[self.selected][2])

    def move(self, name: str, app) -> None:
        self.selected = (self.selected + (-1 if name == "KEY_UP" else 1)) % len(ITEMS)

    def open_chosen(self, name: str, app) -> None:
        app.show(ITEMS[self.selected][2])

    def explain(self, name: str, app) -> None:
        app.notice = HELP

    def leave(self, name: str, app) -> None:
        app.quit()
