"""The main menu: the three screens by number, a title block and a ruled footer of keys."""

from __future__ import annotations

import curses

from scripts.tui.keymap import Binding, Keymap, help_lines
from scripts.tui.widgets import Canvas, key_name

# Number, label, the screen it opens, and what that screen does (for the `?` help and the README).
ITEMS = (
    ("1", "Generate Music", "generate", "songs from the styles you type"),
    ("2", "Output Jukebox", "jukebox", "play them by artist, genre, playlist"),
    ("3", "Configure Options", "options", "model, folders; M catalog, T train"),
)
KEYS = Keymap(
    "Choosing a screen",
    *(Binding((n,), n, "open_numbered", f"{label}: {what}") for n, label, _, what in ITEMS),
    Binding(("KEY_UP", "KEY_DOWN"), "Up/Down", "move", "choose a screen"),
    Binding(("ENTER",), "Enter", "open_chosen", "open it"),
    Binding(("?",), "?", "explain", "this help", "Help"),
    Binding(("x",), "X", "leave", "exit", "Exit Program"),
    # The numbers make one footer item ("Menu Option = 1-3"), not three.
    frame=f"Selection; Menu Option = 1-{len(ITEMS)}, {{}}:",
)


class MenuScreen:
    def __init__(self):
        self.selected = 0
        self.helping = False  # `?` shows the keymap's help until the next key

    def enter(self, app) -> None:
        pass

    def draw(self, canvas: Canvas, app) -> None:
        canvas.frame("Main Menu", KEYS.footer(), app.busy_text())
        for index, (number, label, _, _) in enumerate(ITEMS):
            attribute = curses.A_REVERSE if index == self.selected else 0
            canvas.text(4 + index, 4, f"{number}. {label}", attribute)
        row = 5 + len(ITEMS)
        if app.notice:
            row = canvas.wrapped(row, app.notice, canvas.height - 3)
        if self.helping:
            for line, title in help_lines([KEYS], canvas.width - 1):
                canvas.text(row, 0, line, curses.A_BOLD if title else 0)
                row += 1

    def key(self, key, app) -> None:
        app.notice, self.helping = "", False
        KEYS.dispatch(key_name(key), self, app)

    def open_numbered(self, name: str, app) -> None:
        self.selected = [number for number, *_ in ITEMS].index(name)
        app.show(ITEMS[self.selected][2])

    def move(self, name: str, app) -> None:
        self.selected = (self.selected + (-1 if name == "KEY_UP" else 1)) % len(ITEMS)

    def open_chosen(self, name: str, app) -> None:
        app.show(ITEMS[self.selected][2])

    def explain(self, name: str, app) -> None:
        self.helping = True

    def leave(self, name: str, app) -> None:
        app.quit()
