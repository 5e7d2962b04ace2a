"""The main menu, as the seed's preview draws it (with its numbering fixed)."""

from __future__ import annotations

import curses

from scripts.tui.ui_widgets import Canvas, key_name

ITEMS = (("1", "Generate Music", "generate"), ("2", "Output Jukebox", "jukebox"))
ITEMS += (("3", "Configure Options", "options"),)
FOOTER = "Selection; Menu Option = 1-3, Help = ?, Exit Program = X:"
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
        canvas.frame("Main Menu", FOOTER, app.busy_text())
        for index, (number, label, _) in enumerate(ITEMS):
            attribute = curses.A_REVERSE if index == self.selected else 0
            canvas.text(4 + index, 4, f"{number}. {label}", attribute)
        if app.notice:
            canvas.wrapped(5 + len(ITEMS), app.notice, canvas.height - 3)

    def key(self, key, app) -> None:
        name = key_name(key)
        app.notice = ""
        if name in ("x", "X"):
            app.quit()
        elif name == "?":
            app.notice = HELP
        elif name == "KEY_UP":
            self.selected = (self.selected - 1) % len(ITEMS)
        elif name == "KEY_DOWN":
            self.selected = (self.selected + 1) % len(ITEMS)
        elif name == "ENTER":
            app.show(ITEMS[self.selected][2])
        else:
            for index, (number, _, target) in enumerate(ITEMS):
                if name == number:
                    self.selected = index
                    app.show(target)
